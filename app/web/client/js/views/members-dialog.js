// A group's participants and their roles (docs/api.md, "Group participants and roles"). Admins add
// people by username, remove anyone, make admins and members, and rename the group; anyone leaves.
// The list shows the store, which the membership events keep up to date while the dialog is open.
import { byId, el, replaceChildren, show } from "../dom.js";
import { userText } from "../text.js";
import { findUsers, typedUsernames } from "../users.js";

export class MembersDialog {
  constructor(session, store) {
    this.session = session;
    this.store = store;
    this.conversationId = null;
    this.shown = null; // what the list shows, to render it again only when that changed (keeping the focus)
    this.dialog = byId("members-dialog");
    this.dialog.querySelector(".close-dialog").addEventListener("click", () => this.close());
    this.dialog.addEventListener("close", () => { this.conversationId = null; });
    byId("add-members-form").addEventListener("submit", (event) => { event.preventDefault(); this._add(); });
    byId("rename-form").addEventListener("submit", (event) => { event.preventDefault(); this._rename(); });
    byId("leave-group").addEventListener("click", () => this._leave());
    store.addEventListener("change", () => this.conversationId !== null && this._render());
  }

  open(id) {
    this.conversationId = id;
    this._error(null);
    byId("add-members-usernames").value = "";
    byId("rename-title").value = userText(this.store.items.get(id)?.title);
    this.shown = null;
    this._render();
    if (!this.dialog.open) this.dialog.showModal();
  }

  close() {
    if (this.dialog.open) this.dialog.close();
  }

  /** Close it if it shows `id` (a conversation we are no longer in). */
  closeFor(id) {
    if (this.conversationId === id) this.close();
  }

  _render() {
    const id = this.conversationId;
    const me = this.store.me;
    const admin = this.store.isAdmin(id);
    const participants = [...(this.store.participants.get(id) || [])]
      .sort((a, b) => (a.role === b.role ? 0 : a.role === "admin" ? -1 : 1));
    const shown = JSON.stringify([this.store.name(id), admin, participants.map((p) => [p.user, p.role])]);
    if (shown === this.shown) return;
    this.shown = shown;
    byId("members-title").textContent = `Members of ${this.store.name(id)} (${participants.length})`;
    replaceChildren(byId("members-list"), participants.map(({ user, role }) => el("li", {
      class: "member", dataset: { userId: user.id, role },
    },
    el("span", { class: "member-name", text: user.id === me ? `${userText(user.display_name)} (you)` : userText(user.display_name) }),
    el("span", { class: "member-username", text: `@${user.username}` }),
    el("span", { class: "role", text: role }),
    admin && user.id !== me && el("span", { class: "member-actions" },
      el("button", {
        type: "button", class: "change-role",
        onclick: () => this._do(`PATCH`, `/conversations/${id}/participants/${user.id}`, { role: role === "admin" ? "member" : "admin" }),
      }, role === "admin" ? "Make member" : "Make admin"),
      el("button", {
        type: "button", class: "remove",
        onclick: () => this._do("DELETE", `/conversations/${id}/participants/${user.id}`),
      }, "Remove")))));
    show(byId("add-members-form"), admin);
    show(byId("rename-form"), admin);
  }

  async _add() {
    const names = typedUsernames(byId("add-members-usernames").value);
    if (!names.length) return;
    const id = this.conversationId;
    try {
      const users = await findUsers(this.session, names);
      if (await this._do("POST", `/conversations/${id}/participants`, { user_ids: users.map((user) => user.id) })) {
        byId("add-members-usernames").value = "";
      }
    } catch (error) {
      this._error(error.message);
    }
  }

  _rename() {
    const title = byId("rename-title").value.trim();
    return this._do("PATCH", `/conversations/${this.conversationId}`, { title: title || null });
  }

  async _leave() {
    const id = this.conversationId;
    if (!window.confirm(`Leave ${this.store.name(id)}? You will no longer see its messages.`)) return;
    await this._do("DELETE", `/conversations/${id}/participants/${this.store.me}`);
  }

  /** One request; the change shows when its event arrives. Resolves to whether it was done. */
  async _do(method, path, body) {
    this._error(null);
    try {
      await this.session.api(method, path, body === undefined ? {} : { body });
      return true;
    } catch (error) {
      const fields = Object.values(error.fieldMessages?.() || {});
      this._error(fields.length ? fields.join("; ") : error.message);
      return false;
    }
  }

  _error(message) {
    const node = byId("members-error");
    node.textContent = message || "";
    show(node, Boolean(message));
  }
}

// Starting a conversation by username: one name and no title is a direct conversation (the same one
// every time), anything else a group.
import { byId, show } from "../dom.js";
import { findUsers, typedUsernames } from "../users.js";

export class NewConversationForm extends EventTarget {
  constructor(session) {
    super();
    this.session = session;
    this.form = byId("new-conversation-form");
    this.toggle = byId("new-conversation");
    this.toggle.addEventListener("click", () => this._show(this.form.hidden));
    byId("new-conversation-cancel").addEventListener("click", () => this._show(false));
    this.form.addEventListener("submit", (event) => this._submit(event));
  }

  _show(visible) {
    show(this.form, visible);
    this.toggle.setAttribute("aria-expanded", String(visible));
    this._error(null);
    if (visible) byId("new-usernames").focus();
    else this.toggle.focus();
  }

  async _submit(event) {
    event.preventDefault();
    const names = typedUsernames(byId("new-usernames").value);
    const title = byId("new-title").value.trim();
    if (!names.length) {
      this._error("Enter at least one username.");
      return;
    }
    try {
      const users = await findUsers(this.session, names);
      const body = { participant_ids: users.map((user) => user.id) };
      if (title) body.title = title;
      const conversation = await this.session.api("POST", "/conversations", { body });
      byId("new-usernames").value = "";
      byId("new-title").value = "";
      show(this.form, false);
      this.toggle.setAttribute("aria-expanded", "false");
      this.dispatchEvent(new CustomEvent("started", { detail: { id: conversation.id } }));
    } catch (error) {
      const fields = Object.values(error.fieldMessages?.() || {});
      this._error(fields.length ? fields.join("; ") : error.message);
    }
  }

  _error(message) {
    const node = byId("new-conversation-error");
    node.textContent = message || "";
    show(node, Boolean(message));
  }
}

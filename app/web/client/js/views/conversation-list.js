// The conversation list: most recent first, unread counts (and unread mentions of us), the newest
// message, presence of the other person in direct conversations, who is typing; active or archived ones.
import { byId, el, replaceChildren, show } from "../dom.js";
import { systemText, userText, shortTime } from "../text.js";

export class ConversationList extends EventTarget {
  constructor(store) {
    super();
    this.store = store;
    this.archived = false;
    this.openId = null;
    this.list = byId("conversation-list");
    this.rows = new Map(); // conversation id -> <li>
    store.addEventListener("change", () => this.render());
    byId("show-archived").addEventListener("change", (event) => this._filter(event.target.checked));
    byId("more-conversations").addEventListener("click", () => this._more());
  }

  async load() {
    await this.store.load(this.archived);
  }

  setOpen(id) {
    this.openId = id;
    this.render();
  }

  render() {
    const items = this.store.sorted(this.archived);
    const wanted = new Set(items.map((c) => c.id));
    for (const [id, row] of this.rows) {
      if (!wanted.has(id)) {
        row.remove();
        this.rows.delete(id);
      }
    }
    items.forEach((summary, index) => {
      const row = this.rows.get(summary.id) || this._row(summary.id);
      this._fill(row, summary);
      // Move a row only when its place changed: moving a focused button would lose the focus.
      if (this.list.children[index] !== row) this.list.insertBefore(row, this.list.children[index] || null);
    });
    show(byId("no-conversations"), items.length === 0);
    show(byId("more-conversations"), this.store.hasMore(this.archived));
    const unread = this.store.sorted(false).reduce((total, c) => total + c.unread_count, 0);
    document.title = unread ? `(${unread}) Messaging` : "Messaging";
  }

  _row(id) {
    const row = el("li", { class: "conversation-item", dataset: { conversationId: id } });
    row.append(el("button", { type: "button", onclick: () => this._open(id) }));
    this.rows.set(id, row);
    return row;
  }

  _fill(row, summary) {
    const id = summary.id;
    const other = this.store.otherUser(id);
    const status = other ? this.store.presence.get(other.id) || "offline" : null;
    const typing = this.store.typingNames(id);
    const last = summary.last_message;
    const preview = typing.length ? `${typing.join(", ")} typing…`
      : last?.kind === "system" ? systemText(last.event || {}, this.store.namer(id))
      : last ? `${last.sender_id === this.store.me ? "You: " : ""}${last.deleted ? "(deleted)" : userText(last.content) || "(image)"}`
      : "No messages yet";
    row.classList.toggle("open", id === this.openId);
    row.classList.toggle("has-unread", summary.unread_count > 0);
    const button = row.firstChild;
    if (id === this.openId) button.setAttribute("aria-current", "true");
    else button.removeAttribute("aria-current");
    replaceChildren(button,
      status && el("span", { class: "presence", dataset: { status }, title: status },
        el("span", { class: "visually-hidden", text: `${status}, ` })),
      el("span", { class: "name", text: this.store.name(id) }),
      last && el("time", { class: "when", datetime: last.created_at, text: shortTime(last.created_at) }),
      el("span", { class: "preview", text: preview }),
      (summary.unread_count > 0 || summary.unread_mention_count > 0) && el("span", { class: "counts" },
        summary.unread_mention_count > 0 && el("span", { class: "mentions", title: "unread mentions of you" },
          `@${summary.unread_mention_count}`, el("span", { class: "visually-hidden", text: " unread mentions" })),
        summary.unread_count > 0 && el("span", { class: "unread", title: "unread messages" },
          String(summary.unread_count), el("span", { class: "visually-hidden", text: " unread" }))));
  }

  _open(id) {
    this.dispatchEvent(new CustomEvent("open", { detail: { id } }));
  }

  async _filter(archived) {
    this.archived = archived;
    this.render();
    await this.load();
  }

  async _more() {
    await this.store.loadMore(this.archived);
  }
}

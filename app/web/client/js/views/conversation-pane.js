// The open conversation: its header (name, presence, members, archive), the messages with
// scroll-back, who is typing. Rows are kept per message (by seq) and per pending send, so updates
// never re-create the page. What is done to a message is told as an "action" event.
import { byId, el, show } from "../dom.js";
import { messageItem, pendingItem } from "./message-item.js";
import { userText } from "../text.js";

const NEAR_EDGE_PX = 60;

export class ConversationPane extends EventTarget {
  constructor(store, outbox) {
    super();
    this.store = store;
    this.outbox = outbox;
    this.timeline = null;
    this.rows = new Map(); // key ("s<seq>" or "p<client id>") -> [<li>, the object it shows]
    this.scroller = byId("messages");
    this.list = byId("message-list");
    this.scroller.addEventListener("scroll", () => {
      this.atBottom = this._atBottom();
      this._maybeLoadOlder();
    });
    // A smaller window (a phone's keyboard opening, say) keeps the newest messages in sight.
    new ResizeObserver(() => {
      if (this.atBottom) this.scroller.scrollTop = this.scroller.scrollHeight;
    }).observe(this.scroller);
    byId("load-older").addEventListener("click", () => this._loadOlder());
    byId("archive-toggle").addEventListener("click", () => this._tell("archive"));
    byId("members-button").addEventListener("click", () => this._tell("members"));
    byId("back").addEventListener("click", () => this._tell("back"));
    store.addEventListener("change", () => this.timeline && this._storeChanged());
    store.addEventListener("typing", (event) => {
      if (event.detail.conversationId === this.timeline?.conversationId) this._renderTyping();
    });
    this.onChange = (event) => this._render(event.detail.kind);
  }

  get conversationId() { return this.timeline?.conversationId ?? null; }

  open(timeline) {
    this.timeline?.removeEventListener("change", this.onChange);
    this.timeline = timeline;
    timeline.addEventListener("change", this.onChange);
    this.rows.clear();
    this.list.replaceChildren();
    this.admin = this.store.isAdmin(timeline.conversationId);
    show(byId("no-conversation-open"), false);
    show(byId("conversation-pane"), true);
    this._renderHeader();
    this._renderTyping();
    this._render("newest");
  }

  close() {
    this.timeline?.removeEventListener("change", this.onChange);
    this.timeline = null;
    show(byId("conversation-pane"), false);
    show(byId("no-conversation-open"), true);
  }

  /** Scroll to a message and highlight it (a search hit). */
  reveal(seq) {
    const row = this.rows.get(`s${seq}`)?.[0];
    if (!row) return;
    for (const old of this.list.querySelectorAll(".jumped")) old.classList.remove("jumped");
    row.classList.add("jumped");
    row.scrollIntoView({ block: "center" });
    row.focus({ preventScroll: true });
  }

  /** Participants, names or roles changed: the header, and every row when what we may do changed. */
  _storeChanged() {
    this._renderHeader();
    if (this.store.isAdmin(this.conversationId) === this.admin) return;
    this.admin = !this.admin;
    this.rows.clear();
    this.list.replaceChildren();
    this._render("update");
  }

  _renderHeader() {
    const id = this.conversationId;
    const summary = this.store.items.get(id);
    byId("conversation-name").textContent = this.store.name(id);
    show(byId("members-button"), summary?.kind === "group");
    const other = this.store.otherUser(id);
    const presence = byId("conversation-presence");
    show(presence, Boolean(other));
    if (other) {
      const status = this.store.presence.get(other.id) || "offline";
      presence.dataset.status = status;
      presence.title = status;
      presence.replaceChildren(el("span", { class: "visually-hidden", text: status }));
    }
    byId("archive-toggle").textContent = summary?.archived ? "Unarchive" : "Archive";
  }

  _renderTyping() {
    const names = this.store.typingNames(this.conversationId);
    byId("typing").textContent = names.length ? `${names.join(", ")} ${names.length > 1 ? "are" : "is"} typing…` : "";
  }

  _render(kind) {
    const before = { top: this.scroller.scrollTop, height: this.scroller.scrollHeight,
                     atBottom: this._atBottom() };
    const wanted = [
      ...this.timeline.messages().map((message) => [`s${message.seq}`, message]),
      ...[...this.timeline.pending.values()].map((entry) => [`p${entry.clientMessageId}`, entry]),
    ];
    const keys = new Set(wanted.map(([key]) => key));
    for (const [key, [row]] of this.rows) {
      if (!keys.has(key)) {
        row.remove();
        this.rows.delete(key);
      }
    }
    let previous = null;
    for (const [key, shown] of wanted) {
      let [row, was] = this.rows.get(key) || [];
      // A pending send is one object whose state changes; a stored message is replaced when it changes.
      if (!row || was !== shown || row.dataset.state !== (shown.state ?? row.dataset.state)) {
        const fresh = this._item(key, shown);
        if (row) row.replaceWith(fresh);
        row = fresh;
        this.rows.set(key, [row, shown]);
      }
      const expected = previous ? previous.nextSibling : this.list.firstChild;
      if (expected !== row) this.list.insertBefore(row, expected);
      previous = row;
    }
    show(byId("load-older"), this.timeline.hasOlder && this.timeline.loaded);
    if (kind === "older") {
      this.scroller.scrollTop = before.top + (this.scroller.scrollHeight - before.height);
    } else if (before.atBottom || kind === "newest" || kind === "pending") {
      this.scroller.scrollTop = this.scroller.scrollHeight;
    }
    this.atBottom = this._atBottom();
    this._tell("rendered");
  }

  _item(key, shown) {
    if (key.startsWith("p")) {
      return pendingItem(shown, { onRetry: (entry) => this.outbox.attempt(entry),
                                  onDiscard: (entry) => this.outbox.discard(entry) });
    }
    const id = this.conversationId;
    const me = this.store.me;
    return messageItem(shown, {
      me,
      isGroup: this.store.items.get(id)?.kind === "group",
      isAdmin: this.admin,
      senderName: (userId, sender) => userText(sender?.display_name) || this.store.userName(id, userId),
      nameOf: this.store.namer(id),
      usernames: (userIds) => userIds.map((userId) => this.store.users.get(userId)?.username?.toLowerCase()).filter(Boolean),
      onAction: (name, message, argument) => this._tell("action", { name, message, argument }),
      onImageError: (message) => this._tell("image-expired", { message }),
    });
  }

  _atBottom() {
    const { scrollTop, scrollHeight, clientHeight } = this.scroller;
    return scrollHeight - scrollTop - clientHeight < NEAR_EDGE_PX;
  }

  _maybeLoadOlder() {
    if (this.scroller.scrollTop < NEAR_EDGE_PX) this._loadOlder();
  }

  async _loadOlder() {
    const timeline = this.timeline;
    if (!timeline?.hasOlder || this.loadingOlder) return;
    this.loadingOlder = true;
    try {
      await timeline.loadOlder();
    } catch (error) {
      this._tell("error", { error });
    } finally {
      this.loadingOlder = false;
    }
  }

  _tell(name, detail) {
    this.dispatchEvent(new CustomEvent(name, { detail }));
  }
}

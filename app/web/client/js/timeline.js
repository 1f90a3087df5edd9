// One conversation's messages as the client holds them: a contiguous run of seqs ending at the newest
// (docs/api.md, Pagination), grown backwards by scrolling (before=) and forwards by the changes of
// the conversation's log (change-log.js: live events, or replayed after a reconnect), plus the
// messages of ours still being sent (the outbox's entries).
// Each message is held once, by seq: whichever way it arrives again, it replaces the held copy.

const PAGE_SIZE = 50;
const JUMP_PAGE_SIZE = 200; // the API's largest page, to reach an old message in few requests

export class Timeline extends EventTarget {
  constructor(session, conversationId) {
    super();
    this.session = session;
    this.conversationId = conversationId;
    this.bySeq = new Map();
    this.pending = new Map(); // client_message_id -> outbox entry
    this.hasOlder = true;
    this.loaded = false;
  }

  get path() { return `/conversations/${this.conversationId}/messages`; }
  get oldestSeq() { return this.bySeq.size ? Math.min(...this.bySeq.keys()) : null; }

  messages() {
    return [...this.bySeq.values()].sort((a, b) => a.seq - b.seq);
  }

  async loadNewest() {
    const page = await this.session.api("GET", this.path, { query: { limit: PAGE_SIZE } });
    this.hasOlder = page.has_more;
    this.loaded = true;
    this._put(page.items, "newest");
  }

  async loadOlder(limit = PAGE_SIZE) {
    if (!this.hasOlder || this.oldestSeq === null) return;
    const page = await this.session.api("GET", this.path, { query: { before: this.oldestSeq, limit } });
    this.hasOlder = page.has_more;
    this._put(page.items, "older");
  }

  /** Load older pages until message `seq` is held (to jump to a search hit). */
  async reach(seq) {
    if (!this.loaded) await this.loadNewest();
    while (this.hasOlder && this.oldestSeq !== null && this.oldestSeq > seq) await this.loadOlder(JUMP_PAGE_SIZE);
  }

  /** A new message (live, or replayed from the log). Returns true if it is new here. */
  receive(message) {
    if (!this.loaded) return false;
    return this._put([message], "newer").length > 0;
  }

  find(messageId) {
    return [...this.bySeq.values()].find((m) => m.id === messageId) || null;
  }

  /** A stored message changed (edited, deleted, or its images' URLs renewed); replies to it quote
   * it as it is now (the whole text: the quote is cut short on screen). */
  replace(message) {
    if (!this.bySeq.has(message.seq)) return;
    const replies = [...this.bySeq.values()].filter((m) => m.reply_to?.id === message.id).map((m) => ({
      ...m,
      reply_to: { ...m.reply_to, deleted: message.deleted, excerpt: message.deleted ? null : message.content },
    }));
    this._put([message, ...replies], "update");
  }

  /** reaction_added / reaction_removed: `userId`'s `emoji` on a message, as a fact (applying it twice
   * changes nothing). Emoji keep their place; one nobody reacts with any more goes. */
  react(messageId, emoji, userId, added) {
    const message = this.find(messageId);
    if (!message || message.deleted) return;
    const reactions = (message.reactions || []).map((r) => ({ ...r }));
    let reaction = reactions.find((r) => r.emoji === emoji);
    if (!reaction) {
      if (!added) return;
      reaction = { emoji, user_ids: [] };
      reactions.push(reaction);
    }
    reaction.user_ids = reaction.user_ids.filter((id) => id !== userId).concat(added ? [userId] : []);
    reaction.count = reaction.user_ids.length;
    this._put([{ ...message, reactions: reactions.filter((r) => r.count > 0) }], "update");
  }

  markDelivered(messageId, deliveredAt) {
    const message = this.find(messageId);
    if (message && !message.delivered_at) this._put([{ ...message, delivered_at: deliveredAt }], "update");
  }

  /** Someone read up to `seq`: our messages up to it count as read (as the server sets read_at). */
  markReadUpTo(seq, readAt, me) {
    const changed = [...this.bySeq.values()]
      .filter((m) => m.seq <= seq && m.sender_id === me && !m.read_at)
      .map((m) => ({ ...m, read_at: readAt, delivered_at: m.delivered_at || readAt }));
    if (changed.length) this._put(changed, "update");
  }

  setPending(entry) {
    this.pending.set(entry.clientMessageId, entry);
    this._changed("pending");
  }

  dropPending(clientMessageId) {
    if (this.pending.delete(clientMessageId)) this._changed("pending");
  }

  /** Store messages by seq; a message that settles one of our pending sends removes that entry.
   * Returns the messages not held before. */
  _put(messages, kind) {
    const added = [];
    for (const message of messages) {
      if (!this.bySeq.has(message.seq)) added.push(message);
      this.bySeq.set(message.seq, message);
      if (message.client_message_id) this.pending.delete(message.client_message_id);
    }
    this._changed(kind);
    return added;
  }

  _changed(kind) {
    this.dispatchEvent(new CustomEvent("change", { detail: { kind } }));
  }
}

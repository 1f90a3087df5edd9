// One conversation's messages as the client holds them: a contiguous run of seqs ending at the newest
// (docs/api.md, Pagination), grown backwards by scrolling (before=) and forwards by live events and
// catch-up (after=), plus the messages of ours still being sent (the outbox's entries).
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
    this.catchingUp = null;
  }

  get path() { return `/conversations/${this.conversationId}/messages`; }
  get oldestSeq() { return this.bySeq.size ? Math.min(...this.bySeq.keys()) : null; }

  /** The highest seq up to which nothing is missing: where catching up starts. */
  get newestSeq() {
    let seq = this.oldestSeq === null ? 0 : this.oldestSeq;
    while (this.bySeq.has(seq + 1)) seq += 1;
    return seq;
  }

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

  /** Fetch everything after the newest held seq (after a reconnect, or a gap in live events):
   * exactly what was missed, no gap and no duplicate. One run at a time. */
  catchUp() {
    if (!this.loaded) return Promise.resolve([]);
    if (!this.catchingUp) {
      this.catchingUp = (async () => {
        const arrived = [];
        for (;;) {
          const page = await this.session.api("GET", this.path, { query: { after: this.newestSeq, limit: JUMP_PAGE_SIZE } });
          arrived.push(...this._put(page.items, "newer"));
          if (!page.has_more) return arrived;
        }
      })().finally(() => { this.catchingUp = null; });
    }
    return this.catchingUp;
  }

  /** A message from a live event. Returns true if it is new here. A gap before it is fetched. */
  receive(message) {
    if (!this.loaded) return false;
    const gap = message.seq > this.newestSeq + 1;
    const added = this._put([message], "newer").length > 0;
    if (gap) this.catchUp().catch(() => {}); // retried at the next reconnect
    return added;
  }

  /** A stored message changed (deleted, or its images' URLs renewed). */
  replace(message) {
    if (this.bySeq.has(message.seq)) this._put([message], "update");
  }

  markDelivered(messageId, deliveredAt) {
    const message = [...this.bySeq.values()].find((m) => m.id === messageId);
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

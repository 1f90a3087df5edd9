// Every change to a conversation (a message sent, edited or deleted, a reaction, a membership or title
// change) has an event_seq, gap-free per conversation; the server keeps them in a log
// (docs/websocket.md, "Replaying what you missed"). This applies each change exactly once, in order:
// live events are applied as they come, and whatever was missed (while disconnected, or a gap seen
// in the live events) is fetched from GET /conversations/:id/events?after=E and applied first.

const PAGE_SIZE = 500; // the API's largest page

export class ChangeLog {
  /** `apply(type, payload, {replayed})` applies one change (its type is the event's name). */
  constructor(session, apply) {
    this.session = session;
    this.apply = apply;
    this.applied = new Map(); // conversation id -> E, the last event_seq applied
    this.waiting = new Map(); // conversation id -> live changes that arrived during a replay
    this.replays = new Map(); // conversation id -> the replay under way
  }

  /** Start following a conversation from `eventSeq`, the log position of the state just loaded
   * (GET /conversations/:id); nothing changes for one already followed. */
  follow(id, eventSeq) {
    if (!this.applied.has(id)) this.applied.set(id, eventSeq);
  }

  forget(id) {
    this.applied.delete(id);
    this.waiting.delete(id);
  }

  followed() { return [...this.applied.keys()]; }

  /** Whether the log holds changes beyond what was applied here (`eventSeq`: the server's newest). */
  behind(id, eventSeq) {
    return !this.applied.has(id) || eventSeq > this.applied.get(id);
  }

  /** A change from a live event. Applied at once when it is the next one; a change already applied
   * is dropped; one after a gap waits while the gap is fetched. */
  async live(id, type, payload) {
    if (!this.applied.has(id)) return; // not followed: the state loaded later includes it
    if (this.replays.has(id)) {
      this._wait(id, type, payload);
      return;
    }
    const last = this.applied.get(id);
    if (payload.event_seq <= last) return;
    if (payload.event_seq === last + 1) {
      this.applied.set(id, payload.event_seq);
      await this.apply(type, payload, { replayed: false });
      return;
    }
    this._wait(id, type, payload);
    await this.replay(id);
  }

  /** Fetch and apply every change after the last one applied, then those that arrived meanwhile.
   * One run per conversation at a time; resolves to the changes applied from the log. */
  replay(id) {
    if (!this.replays.has(id)) {
      const run = this._replay(id).finally(() => this.replays.delete(id));
      this.replays.set(id, run);
    }
    return this.replays.get(id);
  }

  async _replay(id) {
    const replayed = [];
    for (;;) {
      if (!this.applied.has(id)) return replayed; // dropped meanwhile (we left the conversation)
      const page = await this.session.api("GET", `/conversations/${id}/events`,
        { query: { after: this.applied.get(id), limit: PAGE_SIZE } });
      for (const item of page.items) {
        if (!this.applied.has(id) || item.event_seq <= this.applied.get(id)) continue;
        this.applied.set(id, item.event_seq);
        replayed.push(item);
        await this.apply(item.type, item.payload, { replayed: true });
      }
      if (!page.has_more) break;
    }
    // Live changes that came during the replay were published after they were logged: the log
    // held them, unless they came after its last page; apply those in order.
    const waiting = (this.waiting.get(id) || []).sort((a, b) => a.payload.event_seq - b.payload.event_seq);
    this.waiting.delete(id);
    for (const { type, payload } of waiting) {
      if (!this.applied.has(id) || payload.event_seq <= this.applied.get(id)) continue;
      if (payload.event_seq !== this.applied.get(id) + 1) return [...replayed, ...await this._replay(id)];
      this.applied.set(id, payload.event_seq);
      await this.apply(type, payload, { replayed: false });
    }
    return replayed;
  }

  _wait(id, type, payload) {
    if (!this.waiting.has(id)) this.waiting.set(id, []);
    this.waiting.get(id).push({ type, payload });
  }
}

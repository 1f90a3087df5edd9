// Sending our messages: each gets a client_message_id once, and every attempt (a retry after a
// timeout, a reconnect) reuses it, so the server stores it exactly once (docs/api.md, Idempotent
// retries). An entry is "pending" while an attempt is under way or waits for the connection, and
// "failed" when the server refused it or did not answer; failed ones are retried by hand or at the
// next reconnect (unless the server said the message itself is wrong).

const PERMANENT = new Set(["validation_error", "not_found", "conflict"]);

export class Outbox {
  constructor(realtime) {
    this.realtime = realtime;
    this.entries = new Map(); // client_message_id -> entry
  }

  /** Queue a message for `timeline`'s conversation (a reply to `replyTo`, if given) and try to send it now. */
  send(timeline, content, images, replyTo = null) {
    const entry = {
      clientMessageId: `web-${crypto.randomUUID()}`, timeline, content, images, replyTo,
      state: "pending", error: null, createdAt: new Date().toISOString(),
    };
    this.entries.set(entry.clientMessageId, entry);
    this.attempt(entry);
    return entry;
  }

  async attempt(entry) {
    this._set(entry, "pending", null);
    if (!this.realtime.connected) return; // sent when the connection is back (retryAll)
    const payload = { conversation_id: entry.timeline.conversationId, client_message_id: entry.clientMessageId };
    if (entry.content) payload.content = entry.content;
    if (entry.images.length) payload.image_ids = entry.images.map((image) => image.id);
    if (entry.replyTo) payload.reply_to_id = entry.replyTo.id;
    try {
      const data = await this.realtime.call("send_message", payload);
      this.settled(data.message);
    } catch (error) {
      if (this.entries.has(entry.clientMessageId)) this._set(entry, "failed", error);
    }
  }

  /** Retry what is waiting or failed for a reason that a new attempt may cure. */
  retryAll() {
    for (const entry of this.entries.values()) {
      if (entry.state === "pending" || !PERMANENT.has(entry.error?.code)) this.attempt(entry);
    }
  }

  /** The server stored one of our messages (an acknowledgement, or message_sent from any device). */
  settled(message) {
    const entry = this.entries.get(message.client_message_id);
    if (!entry) return;
    this.entries.delete(message.client_message_id);
    entry.timeline.receive(message);
    entry.timeline.dropPending(entry.clientMessageId);
  }

  discard(entry) {
    this.entries.delete(entry.clientMessageId);
    entry.timeline.dropPending(entry.clientMessageId);
  }

  _set(entry, state, error) {
    entry.state = state;
    entry.error = error;
    entry.timeline.setPending(entry);
  }
}

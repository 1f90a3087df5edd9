// "Seen by" for one of our messages in a group: who has read it, who has received it and not read
// it yet, who has neither (GET /messages/:id/receipts, docs/api.md, Receipts).
import { byId, el, replaceChildren } from "../dom.js";
import { shortTime } from "../text.js";

export class ReceiptsDialog {
  constructor(session, store) {
    this.session = session;
    this.store = store;
    this.dialog = byId("receipts-dialog");
    this.dialog.querySelector(".close-dialog").addEventListener("click", () => this.dialog.close());
  }

  async open(message) {
    const status = byId("receipts-status");
    status.textContent = "Loading…";
    replaceChildren(byId("receipts-list"));
    if (!this.dialog.open) this.dialog.showModal();
    try {
      const receipts = await this.session.api("GET", `/messages/${message.id}/receipts`);
      status.textContent = "";
      replaceChildren(byId("receipts-list"), this._rows(message, receipts));
    } catch (error) {
      status.textContent = error.message;
    }
  }

  _rows(message, { read_by: read, delivered_to: delivered }) {
    const id = message.conversation_id;
    const readIds = new Set(read.map((r) => r.user_id));
    const reachedIds = new Set([...readIds, ...delivered.map((d) => d.user_id)]);
    const waiting = (this.store.participants.get(id) || [])
      .filter((p) => p.user.id !== message.sender_id && !reachedIds.has(p.user.id));
    const row = (userId, state, label, time) => el("li", { class: "receipt", dataset: { state, userId } },
      el("span", { class: "member-name", text: this.store.userName(id, userId) }),
      el("span", { class: "hint", text: time ? `${label} ${shortTime(time)}` : label }));
    return [
      ...read.map((r) => row(r.user_id, "read", "Read", r.read_at)),
      ...delivered.filter((d) => !readIds.has(d.user_id)).map((d) => row(d.user_id, "delivered", "Received", d.delivered_at)),
      ...waiting.map((p) => row(p.user.id, "waiting", "Not received yet")),
    ];
  }
}

// Every text one message has had, oldest first, the current one last (GET /messages/:id/history,
// docs/api.md): opened from a message's "edited" mark.
import { byId, el, replaceChildren } from "../dom.js";
import { fullTime, userText } from "../text.js";

export class HistoryDialog {
  constructor(session) {
    this.session = session;
    this.dialog = byId("history-dialog");
    this.dialog.querySelector(".close-dialog").addEventListener("click", () => this.dialog.close());
  }

  async open(message) {
    const status = byId("history-status");
    status.textContent = "Loading…";
    replaceChildren(byId("history-list"));
    if (!this.dialog.open) this.dialog.showModal();
    try {
      const { items } = await this.session.api("GET", `/messages/${message.id}/history`);
      status.textContent = items.length ? "" : "No earlier versions.";
      replaceChildren(byId("history-list"), items.map((version, index) => el("li", { class: "version" },
        el("time", { datetime: version.written_at, text: `${index === items.length - 1 ? "Now" : "Earlier"} · ${fullTime(version.written_at)}` }),
        el("p", { class: "content", text: userText(version.content) }))));
    } catch (error) {
      status.textContent = error.message;
    }
  }
}

// Searching every conversation: results with the matches highlighted; picking one opens its
// conversation at that message.
import { byId, el, replaceChildren, show } from "../dom.js";
import { shortTime, snippetNodes, userText } from "../text.js";

export class SearchPanel extends EventTarget {
  constructor(session, store) {
    super();
    this.session = session;
    this.store = store;
    this.panel = byId("search-panel");
    byId("search-form").addEventListener("submit", (event) => { event.preventDefault(); this._search(); });
    byId("search-close").addEventListener("click", () => this.close());
    this.panel.addEventListener("keydown", (event) => { if (event.key === "Escape") this.close(); });
    byId("search-input").addEventListener("keydown", (event) => { if (event.key === "Escape") this.close(); });
  }

  close() {
    show(this.panel, false);
    show(byId("conversations"), true);
    byId("search-input").focus();
  }

  async _search() {
    const q = byId("search-input").value.trim();
    if (!q) return;
    show(this.panel, true);
    show(byId("conversations"), false);
    const status = byId("search-status");
    status.textContent = "Searching…";
    replaceChildren(byId("search-results"));
    try {
      const results = await this.session.api("GET", "/messages/search", { query: { q, limit: 50 } });
      await Promise.all(results.items.map((hit) => this.store.ensure(hit.message.conversation_id)));
      status.textContent = results.items.length ? `${results.items.length} result(s)` : "Nothing found.";
      replaceChildren(byId("search-results"), results.items.map((hit) => this._result(hit)));
    } catch (error) {
      status.textContent = error.message;
    }
  }

  _result(hit) {
    const { message } = hit;
    const id = message.conversation_id;
    const sender = message.sender_id === this.store.me ? "You" : userText(message.sender?.display_name) || "Someone";
    return el("li", { class: "search-result", dataset: { conversationId: id, seq: message.seq } },
      el("button", {
        type: "button",
        onclick: () => this.dispatchEvent(new CustomEvent("jump", { detail: { conversationId: id, seq: message.seq } })),
      },
      el("span", { class: "name", text: this.store.name(id) }),
      el("time", { class: "when", datetime: message.created_at, text: shortTime(message.created_at) }),
      el("span", { class: "preview" }, `${sender}: `, snippetNodes(hit.snippet))));
  }
}

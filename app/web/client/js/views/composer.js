// Writing a message: the text box (Enter sends), typing signals while writing, images to attach.
import { byId, el, replaceChildren } from "../dom.js";
import { uploadImage } from "../uploads.js";

const TYPING_REPEAT_MS = 3_000; // the server's TTL is 10 s and it ignores starts closer than 2 s
const TYPING_IDLE_MS = 5_000; // no keystroke for this long: stopped typing

export class Composer extends EventTarget {
  constructor(session, realtime) {
    super();
    this.session = session;
    this.realtime = realtime;
    this.conversationId = null;
    this.attachments = []; // {file name, state: "uploading" | "ready" | "failed", id?, error?}
    this.input = byId("composer-input");
    this.lastTypingStart = 0;
    this.idleTimer = null;
    byId("composer").addEventListener("submit", (event) => { event.preventDefault(); this._send(); });
    this.input.addEventListener("keydown", (event) => {
      if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
        event.preventDefault();
        this._send();
      }
    });
    this.input.addEventListener("input", () => this._typed());
    this.input.addEventListener("blur", () => this._stopTyping());
    byId("attach").addEventListener("click", () => byId("image-input").click());
    byId("image-input").addEventListener("change", (event) => this._attach([...event.target.files]));
  }

  open(conversationId) {
    this._stopTyping();
    this.conversationId = conversationId;
    this.input.value = "";
    this.attachments = [];
    this._renderAttachments();
  }

  focus() {
    this.input.focus();
  }

  _send() {
    const content = this.input.value.trim();
    const images = this.attachments.filter((a) => a.state === "ready");
    if (this.attachments.some((a) => a.state === "uploading")) return; // wait for the uploads
    if (!content && !images.length) return;
    this.dispatchEvent(new CustomEvent("send", { detail: { conversationId: this.conversationId, content, images } }));
    this.input.value = "";
    this.attachments = [];
    this._renderAttachments();
    // Sending through the socket ends our typing on the server; forget it here too.
    clearTimeout(this.idleTimer);
    this.lastTypingStart = 0;
  }

  _typed() {
    if (!this.input.value.trim()) {
      this._stopTyping();
      return;
    }
    const now = Date.now();
    if (now - this.lastTypingStart > TYPING_REPEAT_MS) {
      this.lastTypingStart = now;
      this.realtime.send("typing_start", { conversation_id: this.conversationId });
    }
    clearTimeout(this.idleTimer);
    this.idleTimer = setTimeout(() => this._stopTyping(), TYPING_IDLE_MS);
  }

  _stopTyping() {
    clearTimeout(this.idleTimer);
    if (!this.lastTypingStart || this.conversationId === null) return;
    this.lastTypingStart = 0;
    this.realtime.send("typing_stop", { conversation_id: this.conversationId });
  }

  async _attach(files) {
    byId("image-input").value = "";
    const conversationId = this.conversationId;
    await Promise.all(files.map(async (file) => {
      const attachment = { name: file.name, state: "uploading" };
      this.attachments.push(attachment);
      this._renderAttachments();
      try {
        Object.assign(attachment, await uploadImage(this.session, conversationId, file), { state: "ready" });
      } catch (error) {
        Object.assign(attachment, { state: "failed", error: error.message });
      }
      if (this.conversationId === conversationId) this._renderAttachments();
    }));
  }

  _renderAttachments() {
    const labels = { uploading: "uploading…", ready: "ready", failed: "failed" };
    replaceChildren(byId("attachments"), this.attachments.map((attachment) => el("li", {
      class: "attachment", dataset: { state: attachment.state },
    },
    el("span", { text: `${attachment.name}: ${labels[attachment.state]}${attachment.error ? ` (${attachment.error})` : ""}` }),
    el("button", {
      type: "button", "aria-label": `Remove ${attachment.name}`,
      onclick: () => {
        this.attachments = this.attachments.filter((a) => a !== attachment);
        this._renderAttachments();
        this.focus();
      },
    }, "×"))));
  }
}

// Writing a message: the text box (Enter sends), typing signals while writing, images to attach;
// a reply to a message, or a new text for one of ours (Escape cancels either).
import { byId, el, replaceChildren, show } from "../dom.js";
import { userText } from "../text.js";
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
    this.context = null; // {kind: "reply" | "edit", message}
    this.input = byId("composer-input");
    this.lastTypingStart = 0;
    this.idleTimer = null;
    byId("composer").addEventListener("submit", (event) => { event.preventDefault(); this._send(); });
    this.input.addEventListener("keydown", (event) => {
      if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
        event.preventDefault();
        this._send();
      } else if (event.key === "Escape" && this.context) {
        this._setContext(null);
      }
    });
    byId("composer-context-cancel").addEventListener("click", () => { this._setContext(null); this.focus(); });
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
    this._setContext(null);
  }

  focus() {
    this.input.focus();
  }

  /** The next message sent answers `message`. */
  replyTo(message) {
    this._setContext({ kind: "reply", message });
    this.focus();
  }

  /** Put one of our messages' text in the box: what is sent next replaces it. */
  edit(message) {
    this._setContext({ kind: "edit", message });
    this.input.value = userText(message.content);
    this.focus();
  }

  _setContext(context) {
    const editing = this.context?.kind === "edit";
    this.context = context;
    const sender = (message) => (message.sender_id === this.session.user.id ? "yourself" : userText(message.sender?.display_name) || "someone");
    byId("composer-context-text").textContent = !context ? ""
      : context.kind === "edit" ? "Editing your message"
      : `Replying to ${sender(context.message)}: ${userText(context.message.content) || "(image)"}`;
    show(byId("composer-context"), Boolean(context));
    byId("attach").disabled = context?.kind === "edit"; // an edit changes the text only
    if (editing && context?.kind !== "edit") this.input.value = "";
  }

  _send() {
    const content = this.input.value.trim();
    const images = this.attachments.filter((a) => a.state === "ready");
    if (this.attachments.some((a) => a.state === "uploading")) return; // wait for the uploads
    if (this.context?.kind === "edit") {
      if (content) this.dispatchEvent(new CustomEvent("edit", { detail: { message: this.context.message, content } }));
      this._setContext(null);
      this.input.value = "";
      return;
    }
    if (!content && !images.length) return;
    const replyTo = this.context?.message || null;
    this.dispatchEvent(new CustomEvent("send", { detail: { conversationId: this.conversationId, content, images, replyTo } }));
    this.input.value = "";
    this.attachments = [];
    this._renderAttachments();
    this._setContext(null);
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

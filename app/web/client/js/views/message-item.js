// One message in a conversation: who, when, the text, the images and, on our own messages, how far
// it got (pending, failed, sent, delivered, read).
import { el } from "../dom.js";
import { userText, fullTime, shortTime } from "../text.js";

const STATES = {
  pending: "Sending…",
  failed: "Not sent",
  sent: "✓ Sent",
  delivered: "✓✓ Delivered",
  read: "✓✓ Read",
};

export function deliveryState(message) {
  if (message.read_at) return "read";
  if (message.delivered_at) return "delivered";
  return "sent";
}

/** A stored message. `names` gives a sender's display name; `onImageError` renews expired URLs. */
export function messageItem(message, { me, senderName, onImageError }) {
  const mine = message.sender_id === me;
  const state = mine ? deliveryState(message) : null;
  return el("li", {
    class: `message ${mine ? "mine" : "theirs"}${message.deleted ? " deleted" : ""}`,
    id: `message-${message.conversation_id}-${message.seq}`,
    dataset: { seq: message.seq, messageId: message.id, ...(state ? { state } : {}) },
    tabindex: "-1",
  },
  el("div", { class: "meta" },
    el("span", { class: "sender", text: mine ? "You" : senderName(message.sender_id, message.sender) }),
    " ",
    el("time", { datetime: message.created_at, title: fullTime(message.created_at), text: shortTime(message.created_at) })),
  message.deleted ? el("p", { class: "content", text: "This message was deleted." })
    : userText(message.content) && el("p", { class: "content", text: userText(message.content) }),
  images(message, onImageError),
  state && el("p", { class: "status", text: STATES[state] }));
}

/** One of our messages the server has not stored yet. */
export function pendingItem(entry, { onRetry, onDiscard }) {
  const failed = entry.state === "failed";
  return el("li", {
    class: "message mine",
    id: `pending-${entry.clientMessageId}`,
    dataset: { state: entry.state, clientMessageId: entry.clientMessageId },
  },
  el("div", { class: "meta" }, el("span", { class: "sender", text: "You" })),
  entry.content && el("p", { class: "content", text: entry.content }),
  entry.images.length > 0 && el("p", { class: "hint", text: `${entry.images.length} image(s)` }),
  el("p", { class: "status" },
    STATES[entry.state],
    failed && entry.error?.message && `: ${entry.error.message}`,
    failed && el("button", { type: "button", class: "retry", onclick: () => onRetry(entry) }, "Retry"),
    failed && el("button", { type: "button", class: "discard", onclick: () => onDiscard(entry) }, "Discard")));
}

function images(message, onImageError) {
  if (!message.images?.length) return null;
  return el("div", { class: "images" }, message.images.map((image) => el("a", {
    href: image.url, target: "_blank", rel: "noopener noreferrer",
  }, el("img", {
    src: image.url, alt: `Image (${image.content_type})`, loading: "lazy",
    onerror: () => onImageError(message),
  }))));
}

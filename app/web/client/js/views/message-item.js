// One message in a conversation: who, when, the text (mentions highlighted), the message it replies
// to, the images, the reactions and, on our own messages, how far it got (pending, failed, sent,
// delivered, read); its actions (reply, react, edit, delete, seen by, earlier versions). A system message is one
// neutral line, written from its structured event.
import { el } from "../dom.js";
import { contentNodes, fullTime, shortTime, systemText, userText } from "../text.js";

const STATES = {
  pending: "Sending…",
  failed: "Not sent",
  sent: "✓ Sent",
  delivered: "✓✓ Delivered",
  read: "✓✓ Read",
};

/** The reactions the picker offers (any single emoji works on the server; these are enough here). */
const PICKER_EMOJI = ["👍", "❤️", "😂", "😮", "😢", "🎉"];

export function deliveryState(message) {
  if (message.read_at) return "read";
  if (message.delivered_at) return "delivered";
  return "sent";
}

/**
 * A stored message. `view` gives what the row needs from the conversation:
 * {me, isGroup, isAdmin, senderName(userId, sender), nameOf(userId, atStart), usernames(userIds),
 *  onAction(name, message, argument), onImageError(message)}.
 */
export function messageItem(message, view) {
  if (message.kind === "system") return systemItem(message, view);
  const mine = message.sender_id === view.me;
  const state = mine ? deliveryState(message) : null;
  const text = userText(message.content);
  return el("li", {
    class: `message ${mine ? "mine" : "theirs"}${message.deleted ? " deleted" : ""}`,
    id: `message-${message.conversation_id}-${message.seq}`,
    dataset: { seq: message.seq, messageId: message.id, ...(state ? { state } : {}) },
    tabindex: "-1",
  },
  el("div", { class: "meta" },
    el("span", { class: "sender", text: mine ? "You" : view.senderName(message.sender_id, message.sender) }),
    " ",
    el("time", { datetime: message.created_at, title: fullTime(message.created_at), text: shortTime(message.created_at) }),
    message.edited_at && !message.deleted && el("button", {
      type: "button", class: "edited", title: `Edited ${fullTime(message.edited_at)}: show earlier versions`,
      onclick: () => view.onAction("history", message),
    }, "· edited")),
  message.reply_to && replyQuote(message.reply_to, view, message),
  message.deleted ? el("p", { class: "content", text: "This message was deleted." })
    : text && el("p", { class: "content" }, contentNodes(text, view.usernames(message.mentions || []))),
  images(message, view.onImageError),
  !message.deleted && reactions(message, view),
  state && el("p", { class: "status", text: STATES[state] }),
  !message.deleted && actions(message, mine, view));
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
  entry.replyTo && el("p", { class: "hint", text: `Reply to message ${entry.replyTo.seq}` }),
  entry.content && el("p", { class: "content", text: entry.content }),
  entry.images.length > 0 && el("p", { class: "hint", text: `${entry.images.length} image(s)` }),
  el("p", { class: "status" },
    STATES[entry.state],
    failed && entry.error?.message && `: ${entry.error.message}`,
    failed && el("button", { type: "button", class: "retry", onclick: () => onRetry(entry) }, "Retry"),
    failed && el("button", { type: "button", class: "discard", onclick: () => onDiscard(entry) }, "Discard")));
}

function systemItem(message, view) {
  return el("li", {
    class: "message system",
    id: `message-${message.conversation_id}-${message.seq}`,
    dataset: { seq: message.seq, messageId: message.id },
    tabindex: "-1",
  },
  el("p", { class: "content", title: fullTime(message.created_at), text: systemText(message.event || {}, view.nameOf) }));
}

/** The message replied to, as it is now; choosing it shows it. */
function replyQuote(parent, view, message) {
  const sender = parent.sender?.id === view.me ? "You" : userText(parent.sender?.display_name) || "Someone";
  return el("button", {
    type: "button", class: "reply-quote", title: "Show the message replied to",
    onclick: () => view.onAction("jump", message, parent.seq),
  },
  el("span", { class: "quote-sender", text: sender }),
  el("span", { class: "quote-text", text: parent.deleted ? "Deleted message" : userText(parent.excerpt) || "(image)" }));
}

function reactions(message, view) {
  if (!message.reactions?.length) return null;
  return el("div", { class: "reactions", role: "group", "aria-label": "Reactions" }, message.reactions.map((reaction) => {
    const mine = reaction.user_ids.includes(view.me);
    return el("button", {
      type: "button", class: "reaction", "aria-pressed": String(mine),
      title: reaction.user_ids.map((id) => view.nameOf(id, true)).join(", "),
      onclick: () => view.onAction(mine ? "unreact" : "react", message, reaction.emoji),
    }, el("span", { class: "emoji", text: reaction.emoji }), " ", el("span", { class: "count", text: String(reaction.count) }));
  }));
}

function actions(message, mine, view) {
  const picker = el("div", { class: "reaction-picker", role: "group", "aria-label": "Pick a reaction", hidden: true },
    PICKER_EMOJI.map((emoji) => el("button", {
      type: "button", "aria-label": `React with ${emoji}`,
      onclick: () => {
        const already = message.reactions?.some((r) => r.emoji === emoji && r.user_ids.includes(view.me));
        view.onAction(already ? "unreact" : "react", message, emoji);
      },
    }, emoji)));
  const toggle = el("button", {
    type: "button", class: "react", "aria-expanded": "false",
    onclick: () => {
      picker.hidden = !picker.hidden;
      toggle.setAttribute("aria-expanded", String(!picker.hidden));
      if (!picker.hidden) picker.firstChild.focus();
    },
  }, "React");
  picker.addEventListener("keydown", (event) => {
    if (event.key !== "Escape") return;
    picker.hidden = true;
    toggle.setAttribute("aria-expanded", "false");
    toggle.focus();
  });
  const action = (name, label) => el("button", { type: "button", class: name, onclick: () => view.onAction(name, message) }, label);
  return el("div", { class: "message-actions" },
    action("reply", "Reply"),
    toggle,
    mine && action("edit", "Edit"),
    (mine || view.isAdmin) && action("delete", "Delete"),
    mine && view.isGroup && action("seen-by", "Seen by"),
    picker);
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

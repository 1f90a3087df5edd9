// Turning what the API sends into text and safe nodes.

// An HTML document with no window: parsing into it runs nothing and loads nothing.
const inert = document.implementation.createHTMLDocument("");

/**
 * Text users choose (message content, display names, conversation titles) arrives HTML-safe: the
 * server removed tags and stores `<`, `>`, `&` as the entities &lt; &gt; &amp; (docs/api.md, "Text
 * that users choose"). To show it as text, decode the entities; a <textarea> parses its content as
 * text (no elements are ever created), only decoding entities.
 */
export function userText(text) {
  if (!text || !text.includes("&")) return text || "";
  const decoder = inert.createElement("textarea");
  decoder.innerHTML = text;
  return decoder.value;
}

/**
 * A search snippet: HTML-escaped text with matches in <mark>…</mark>. Trust only that shape: parse it
 * (inertly) and rebuild it from text nodes and <mark> elements with text, dropping anything else.
 */
export function snippetNodes(snippet) {
  const parsed = inert.createElement("div");
  parsed.innerHTML = snippet || "";
  const nodes = [];
  for (const child of parsed.childNodes) {
    if (child.nodeType === Node.ELEMENT_NODE && child.localName === "mark") {
      const mark = document.createElement("mark");
      mark.textContent = child.textContent;
      nodes.push(mark);
    } else {
      nodes.push(document.createTextNode(child.textContent));
    }
  }
  return nodes;
}

const timeFormat = new Intl.DateTimeFormat(undefined, { hour: "2-digit", minute: "2-digit" });
const dateFormat = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });

/** "14:05" today, a date and time otherwise. */
export function shortTime(iso) {
  if (!iso) return "";
  const date = new Date(iso);
  const today = new Date().toDateString() === date.toDateString();
  return today ? timeFormat.format(date) : dateFormat.format(date);
}

export function fullTime(iso) {
  return iso ? dateFormat.format(new Date(iso)) : "";
}

// A mention as the server finds one (app/services/mentions.py): `@` and a username, not inside a word.
const MENTION = /(?<![A-Za-z0-9_.@-])@([A-Za-z0-9_.-]{3,32})(?![A-Za-z0-9_.-])/g;

/**
 * Message text (decoded) as nodes: text, with each mention of `usernames` (the mentioned
 * participants', lower case) in a <span class="mention">. `@bob.` mentions bob, as on the server.
 */
export function contentNodes(text, usernames) {
  if (!usernames.length) return [text];
  const nodes = [];
  let from = 0;
  for (const match of text.matchAll(MENTION)) {
    const name = match[1].toLowerCase();
    const trimmed = name.replace(/[.-]+$/, "");
    const length = usernames.includes(name) ? name.length : usernames.includes(trimmed) ? trimmed.length : 0;
    if (!length) continue;
    nodes.push(text.slice(from, match.index));
    const mention = document.createElement("span");
    mention.className = "mention";
    mention.textContent = text.slice(match.index, match.index + 1 + length);
    nodes.push(mention);
    from = match.index + 1 + length;
  }
  nodes.push(text.slice(from));
  return nodes;
}

/**
 * What a system message says, from its structured `event` (docs/api.md, "Group participants and
 * roles"): "alice added bob and carol". `nameOf(userId, atStart)` gives a display name, or "You" /
 * "you" for ourselves.
 */
export function systemText(event, nameOf) {
  const byService = event.actor_id === null || event.actor_id === undefined;
  const actor = byService ? null : nameOf(event.actor_id, true);
  const user = event.user_id ? nameOf(event.user_id, byService) : null;
  switch (event.type) {
    case "participants_added":
      return `${actor} added ${listOf((event.user_ids || []).map((id) => nameOf(id, false)))}`;
    case "participant_removed":
      return event.actor_id === event.user_id ? `${actor} left` : `${actor} removed ${user}`;
    case "role_changed": {
      const role = event.role === "admin" ? "an admin" : "a member";
      return byService ? `${user} became ${role}` : `${actor} made ${user} ${role}`;
    }
    case "title_changed":
      return event.title ? `${actor} renamed the group “${userText(event.title)}”` : `${actor} removed the group's title`;
    default:
      return "The conversation changed";
  }
}

function listOf(names) {
  return names.length > 1 ? `${names.slice(0, -1).join(", ")} and ${names[names.length - 1]}` : names[0] || "nobody";
}

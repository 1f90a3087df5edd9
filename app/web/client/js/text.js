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

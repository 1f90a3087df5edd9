// Building the page without ever parsing user text as HTML: strings become text nodes.

/**
 * el("li", {class: "x", dataset: {seq: 3}, onclick: fn}, "text", childNode, [more, children])
 * Properties: "class", "dataset" (an object), "on<event>" (a listener), "text" (textContent), any
 * other name is set as an attribute. Children: nodes, strings (as text), arrays, null/false (skipped).
 */
export function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(props)) {
    if (value === null || value === undefined || value === false) continue;
    if (name === "class") node.className = value;
    else if (name === "dataset") Object.assign(node.dataset, value);
    else if (name === "text") node.textContent = value;
    else if (name.startsWith("on")) node.addEventListener(name.slice(2), value);
    else node.setAttribute(name, value === true ? "" : String(value));
  }
  append(node, children);
  return node;
}

export function append(node, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

/** Replace a node's children. */
export function replaceChildren(node, ...children) {
  node.replaceChildren();
  return append(node, children);
}

export function byId(id) {
  return document.getElementById(id);
}

/** Show or hide a node (the `hidden` attribute, which the stylesheet never overrides). */
export function show(node, visible) {
  node.hidden = !visible;
}

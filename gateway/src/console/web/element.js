// A tiny DOM builder: el("button", { onclick, class: "x", dataset: { action: "y" } }, "text", child).

/** Creates an element with attributes (on* are listeners, `dataset` fills data-*) and children (strings become text). */
export function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith("on") && typeof value === "function") node.addEventListener(name.slice(2), value);
    else if (name === "dataset") Object.assign(node.dataset, value);
    else if (name in node && typeof value !== "string") node[name] = value;
    else node.setAttribute(name, value === true ? "" : String(value));
  }
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

/** Replaces every child of `node` with `children`. */
export function replaceChildren(node, ...children) {
  node.replaceChildren(...children.flat().filter((c) => c !== undefined && c !== null && c !== false));
  return node;
}

/** A protobuf JSON timestamp as local "YYYY-MM-DD HH:MM:SS" (date and time: logs and errors outlive a day). */
export function formatTime(value) {
  if (!value) return "";
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) return "";
  const pad = (n) => String(n).padStart(2, "0");
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())} ${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`;
}

/** "PLUGIN_STATE_NOT_RUNNING" → "not-running" (the gateway's own state names). */
export function stateName(state) {
  return String(state ?? "")
    .replace(/^PLUGIN_STATE_/, "")
    .toLowerCase()
    .replace(/_/g, "-");
}

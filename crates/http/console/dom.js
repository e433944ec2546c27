// DOM helpers. Everything the console shows is built with createElement and text nodes: no innerHTML,
// so data from the API can never become markup.

/**
 * h("button", {type: "button", class: "button", onclick: fn}, "Save") — attributes, `on*` listeners,
 * and children (nodes, strings, numbers, nested arrays; null/false skipped). Strings become text nodes.
 */
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith("on")) {
      // Listeners only: an inline handler attribute would be refused by the CSP anyway.
      if (typeof value === "function") el.addEventListener(key.slice(2), value);
    } else if (key === "class") {
      el.className = Array.isArray(value) ? value.filter(Boolean).join(" ") : value;
    } else if (key === "value" || key === "checked" || key === "selected" || key === "disabled") {
      el[key] = value;
    } else {
      el.setAttribute(key, value === true ? "" : String(value));
    }
  }
  append(el, children);
  return el;
}

/** Appends children (see h) to an element. */
export function append(el, ...children) {
  for (const child of [children].flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : String(child));
  }
  return el;
}

/** Replaces an element's children. */
export function replace(el, ...children) {
  el.replaceChildren();
  return append(el, children);
}

let counter = 0;
/** A unique id for label/input pairs. */
export const uid = (prefix = "f") => `${prefix}-${++counter}`;

/** A labelled form field: returns {wrap, input}. `control` is "input", "select" or "textarea". */
export function field(labelText, control, attrs = {}, { hint, options } = {}) {
  const id = attrs.id || uid(attrs.name || "field");
  const hintId = hint ? `${id}-hint` : null;
  const input = h(control, { ...attrs, id, "aria-describedby": hintId }, options || []);
  const wrap = h("div", { class: "field" },
    h("label", { for: id }, labelText),
    hint ? h("p", { class: "hint", id: hintId }, hint) : null,
    input);
  return { wrap, input };
}

/** <option>s from [value, label] pairs. */
export const options = (pairs, selected) =>
  pairs.map(([value, label]) => h("option", { value, selected: value === selected }, label));

/** A definition list from [term, value] pairs (null values shown as an em dash). */
export function details(pairs) {
  return h("dl", { class: "details" },
    pairs.map(([term, value]) => [h("dt", null, term), h("dd", null, value ?? "—")]));
}

/** A scrollable, keyboard-reachable wrapper for a wide table. */
export const tableScroll = (label, table) =>
  h("div", { class: "table-scroll", role: "region", "aria-label": label, tabindex: "0" }, table);

/** A table head row with <th scope="col">. */
export const headRow = (labels) => h("thead", null, h("tr", null, labels.map((l) => h("th", { scope: "col" }, l))));

/** "first_time" -> "First time". */
export function humanize(value) {
  if (value === null || value === undefined || value === "") return "—";
  const text = String(value).replaceAll("_", " ");
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** An RFC 3339 timestamp in the reader's locale. */
export function dateTime(iso) {
  if (!iso) return "—";
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toLocaleString();
}

/** A <time> element for a timestamp. */
export const timeEl = (iso) => (iso ? h("time", { datetime: iso }, dateTime(iso)) : "—");

/** Calls fn after `ms` of quiet. */
export function debounce(fn, ms) {
  let timer;
  return (...args) => {
    clearTimeout(timer);
    timer = setTimeout(() => fn(...args), ms);
  };
}

/** A panel <section> labelled by its <h2>. */
export function section(title, ...children) {
  const id = uid("section");
  return h("section", { class: "panel", "aria-labelledby": id }, h("h2", { id }, title), children);
}

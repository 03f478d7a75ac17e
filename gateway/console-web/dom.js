// Tiny DOM helpers: data is always set as text, never parsed as HTML.

/**
 * @param {string} tag
 * @param {Record<string, unknown>} [attrs]
 * @param {...unknown} children
 * @returns {HTMLElement}
 */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === null || v === undefined || v === false) continue;
    if (k === 'class') el.className = String(v);
    else if (k === 'text') el.textContent = String(v);
    else if (k.startsWith('on') && typeof v === 'function')
      el.addEventListener(k.slice(2), /** @type {EventListener} */ (v));
    else if (k === 'dataset' && typeof v === 'object') Object.assign(el.dataset, v);
    // through CSSOM: the page's CSP forbids inline style attributes
    else if (k === 'style' && typeof v === 'object') Object.assign(el.style, v);
    // properties, not attributes: they must follow re-renders of a live control
    else if (k === 'checked' || k === 'open')
      /** @type {Record<string, unknown>} */ (/** @type {unknown} */ (el))[k] = v === true;
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

/**
 * The page's element for a selector (the page's own ids: they exist).
 * @param {string} sel
 * @param {ParentNode} [root]
 * @returns {HTMLElement}
 */
export function $(sel, root = document) {
  return /** @type {HTMLElement} */ (root.querySelector(sel));
}

/** @param {Element} el @param {...unknown} children */
export function replace(el, ...children) {
  el.replaceChildren(
    .../** @type {(Node | string)[]} */ (
      children.flat().filter((c) => c !== null && c !== undefined && c !== false)
    ),
  );
}

/**
 * Epoch ms from a number or an RFC 3339 string; null otherwise.
 * @param {unknown} v
 * @returns {number | null}
 */
export function toMs(v) {
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (typeof v === 'string') {
    const n = Date.parse(v);
    return Number.isNaN(n) ? null : n;
  }
  return null;
}

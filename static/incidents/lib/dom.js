/* Building page content from data without ever parsing it as markup. */

/** table[key] for the table's own keys only: a value from the API never reaches Object's prototype. */
export const lookup = (table, key, fallback) => (Object.hasOwn(table, key) ? table[key] : fallback);

/**
 * A DOM element. Strings among the children become text nodes, never markup: names,
 * summaries and localities are what analysts typed or imports brought. Attributes are
 * set one by one; `style` is an object of CSS properties.
 */
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (name === "style") for (const [property, v] of Object.entries(value)) node.style.setProperty(property, v);
    else node.setAttribute(name, value);
  }
  node.append(...children.flat().filter((child) => child !== null && child !== undefined && child !== ""));
  return node;
}

/** Links in popups come from the API: only paths on this site are followed. */
export const sitePath = (url) => (typeof url === "string" && /^\/(?![/\\])/.test(url) ? url : "#");

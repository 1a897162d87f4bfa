/* Colours the stylesheet defines once (site.css, :root) and the maps' scripts need as values. */

const read = (name) => getComputedStyle(document.documentElement).getPropertyValue(name).trim();
const statuses = new Map();

/** A facility status's colour, from the CSS custom property --status-<status>. */
export function statusColour(status) {
  // Only a plain status name is looked up: a value from the API never forms another property.
  const key = typeof status === "string" && /^[a-z_]+$/.test(status) ? status : "unknown";
  if (!statuses.has(key)) statuses.set(key, read(`--status-${key}`) || read("--status-unknown"));
  return statuses.get(key);
}

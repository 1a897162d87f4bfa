/* Requests to the API: JSON, errors worded from the API's answer, older requests cancelled. */

import { timings, VIEW } from "./config.js";

const controllers = {};

/** Fetch JSON; a newer request for the same key cancels the older one. */
export async function getJSON(key, url) {
  cancel(key);
  const controller = (controllers[key] = new AbortController());
  timings.pending = (timings.pending || 0) + 1;
  let response;
  try {
    const viewed = VIEW ? `${url}${url.includes("?") ? "&" : "?"}view=${encodeURIComponent(VIEW)}` : url;
    response = await fetch(viewed, {
      signal: controller.signal,
      headers: { Accept: "application/json, application/geo+json" },
      credentials: "same-origin",
    });
  } finally {
    timings.pending -= 1;
  }
  if (!response.ok) {
    let detail = "";
    try {
      detail = Object.entries(await response.json())
        .map(([field, messages]) => `${field}: ${[].concat(messages).join(" ")}`)
        .join("; ");
    } catch (ignored) {
      detail = response.statusText;
    }
    throw new Error(detail || `HTTP ${response.status}`);
  }
  return response.json();
}

/** Cancel the request in flight for `key`, if any. */
export function cancel(key) {
  if (controllers[key]) controllers[key].abort();
}

export const isAbort = (error) => error && error.name === "AbortError";

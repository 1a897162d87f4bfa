/* The current filters, shared by every part of the page, and who is told when they change. */

import { readState, urlFor } from "./url.js";

export const app = {
  state: readState(location.search),
  // A newly chosen region comes into view once the regions layer has it.
  fitToRegion: false,
};

const listeners = [];

/** Call `listener(state)` after every change of the filters. */
export const onStateChange = (listener) => listeners.push(listener);

export function applyState(next, { push = true } = {}) {
  app.fitToRegion = next.region.join() !== app.state.region.join() && next.region.length > 0;
  app.state = next;
  if (push) {
    const url = urlFor(next);
    if (url !== location.pathname + location.search) history.pushState(null, "", url);
  }
  for (const listener of listeners) listener(next);
}

/* The public view: what anonymous visitors always see, and a toggle that shows it to
 * logged-in users, with a banner while it is on.
 *
 * The server decides what the public view holds (published records only, delayed,
 * coarsened); the page only asks for it (?view=public on every API request, see api.js)
 * and says what it is, in the words of the settings it was given.
 */

import { PUBLIC_VIEW } from "./config.js";
import { app, applyState, onStateChange } from "./state.js";
import { publicViewWords } from "./words.js";
import { gettext, interpolate } from "../lib/i18n.js";

export function connectPublicView() {
  const words = publicViewWords(PUBLIC_VIEW);
  // Anonymous visitors: the page is the public view, and says so.
  const note = document.getElementById("public-view-note");
  if (note) note.textContent = interpolate(gettext("This is the public view: %(words)s."), { words });
  const toggle = document.getElementById("f-public-view");
  if (!toggle) return;
  const banner = document.getElementById("public-view-banner");
  banner.textContent = interpolate(gettext("You are seeing what the public sees: %(words)s."), { words });
  const show = (state) => {
    toggle.checked = state.view === "public";
    banner.hidden = !toggle.checked;
    document.body.classList.toggle("showing-public-view", toggle.checked);
  };
  show(app.state);
  onStateChange(show);
  toggle.addEventListener("change", () => applyState({ ...app.state, view: toggle.checked ? "public" : "" }));
}

/* One note at the top of a data-entry form with date or time fields: times are Kyiv
 * time, and how far the browser's clock is from it. It replaces the calendar widgets'
 * "Note: You are 1 hour behind server time." beside every field (hidden by admin.css).
 * The server's offset is the one Django's admin puts on <body> for its "Now" buttons. */
"use strict";

(function () {
  // Django's admin loads its translation catalogue (jsi18n) on every form page.
  const gettext = window.gettext || ((text) => text);
  const ngettext = window.ngettext || ((one, many, n) => (n === 1 ? one : many));
  const interpolate = window.interpolate || ((text, values) => values.reduce((t, v) => t.replace("%s", v), text));

  // Every sentence the note can say, in one place.
  const WORDS = {
    zone: () => gettext("All times are Kyiv time (%s now)."),
    ahead: (n) => ngettext("Your browser is %s hour ahead.", "Your browser is %s hours ahead.", n),
    behind: (n) => ngettext("Your browser is %s hour behind.", "Your browser is %s hours behind.", n),
  };

  const number = new Intl.NumberFormat(document.documentElement.lang || "en", { maximumFractionDigits: 2 });

  /** "UTC+2", "UTC+5:30", "UTC−3" from seconds east of UTC. */
  function utcName(seconds) {
    const sign = seconds < 0 ? "−" : "+";
    const minutes = Math.abs(Math.round(seconds / 60));
    const hours = Math.floor(minutes / 60);
    const rest = minutes % 60;
    return `UTC${sign}${hours}${rest ? `:${String(rest).padStart(2, "0")}` : ""}`;
  }

  function noteText(serverOffset) {
    const parts = [interpolate(WORDS.zone(), [utcName(serverOffset)])];
    const browserOffset = new Date().getTimezoneOffset() * -60;
    const hours = (browserOffset - serverOffset) / 3600;
    if (hours > 0) parts.push(interpolate(WORDS.ahead(hours), [number.format(hours)]));
    if (hours < 0) parts.push(interpolate(WORDS.behind(-hours), [number.format(-hours)]));
    return parts.join(" ");
  }

  function showNote() {
    const serverOffset = Number(document.body.dataset.adminUtcOffset);
    const form = document.querySelector("#content-main form");
    if (!form || Number.isNaN(serverOffset) || document.getElementById("time-zone-note")) return;
    // Only forms that take a date or a time need it.
    if (!form.querySelector("input.vDateField, input.vTimeField")) return;
    const note = document.createElement("p");
    note.id = "time-zone-note";
    note.className = "time-zone-note";
    note.setAttribute("role", "note");
    note.textContent = noteText(serverOffset);
    form.prepend(note);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", showNote);
  else showNote();
})();

/* Numbers and times as the pages show them, in the page's language (times in Kyiv time):
 * British English "1,100" and "4 Feb 2026, 06:30"; Ukrainian "1 100" (the group separator
 * is a no-break space, U+00A0) and "4 лют. 2026 р., 06:30". */

import { LANGUAGE } from "./i18n.js";

export const TZ = "Europe/Kyiv";
export const LOCALE = LANGUAGE === "uk" ? "uk" : "en-GB";

export const numberFormat = new Intl.NumberFormat(LOCALE);
export const percentFormat = new Intl.NumberFormat(LOCALE, { style: "percent", maximumFractionDigits: 0 });
export const dateTimeFormat = new Intl.DateTimeFormat(LOCALE, {
  timeZone: TZ, day: "numeric", month: "short", year: "numeric", hour: "2-digit", minute: "2-digit",
});
export const dateFormat = new Intl.DateTimeFormat(LOCALE, {
  timeZone: TZ, day: "numeric", month: "short", year: "numeric",
});

export const fmtNumber = (n) => (n === null || n === undefined ? "–" : numberFormat.format(n));
export const fmtDateTime = (iso) => (iso ? dateTimeFormat.format(new Date(iso)) : "–");
export const fmtDate = (iso) => (iso ? dateFormat.format(new Date(iso)) : "–");

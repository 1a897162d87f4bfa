/* Numbers and times as the pages show them: British English, times in Kyiv time. */

export const TZ = "Europe/Kyiv";

export const numberFormat = new Intl.NumberFormat("en-GB");
export const percentFormat = new Intl.NumberFormat("en-GB", { style: "percent", maximumFractionDigits: 0 });
export const dateTimeFormat = new Intl.DateTimeFormat("en-GB", {
  timeZone: TZ, day: "numeric", month: "short", year: "numeric", hour: "2-digit", minute: "2-digit",
});
export const dateFormat = new Intl.DateTimeFormat("en-GB", {
  timeZone: TZ, day: "numeric", month: "short", year: "numeric",
});

export const fmtNumber = (n) => (n === null || n === undefined ? "–" : numberFormat.format(n));
export const fmtDateTime = (iso) => (iso ? dateTimeFormat.format(new Date(iso)) : "–");
export const fmtDate = (iso) => (iso ? dateFormat.format(new Date(iso)) : "–");

/* The scripts' words in the page's language. Django's JavaScriptCatalog (a <script src> in
 * base.html, before any module runs) defines gettext, ngettext, pgettext and interpolate on
 * window; without it the English words stand. Every user-visible string goes through these
 * (tests/incidents/test_translations.py checks it), and `makemessages -d djangojs` collects
 * them into locale/<language>/LC_MESSAGES/djangojs.po. */

const catalog = window;

/** The page's language ("en", "uk"), from <html lang>. */
export const LANGUAGE = document.documentElement.lang || "en";

export const gettext = (msgid) => (catalog.gettext ? catalog.gettext(msgid) : msgid);
export const ngettext = (singular, plural, count) =>
  catalog.ngettext ? catalog.ngettext(singular, plural, count) : count === 1 ? singular : plural;
export const pgettext = (context, msgid) => (catalog.pgettext ? catalog.pgettext(context, msgid) : msgid);

/** "%(name)s" placeholders filled from `values` (Django's interpolate with named=true). */
export const interpolate = (format, values) =>
  format.replace(/%\(([a-z_]+)\)s/g, (whole, name) => (Object.hasOwn(values, name) ? String(values[name]) : whole));

/** "heating" → "Heating", for a word at the start of a sentence. */
export const capitalise = (text) => (text ? text.charAt(0).toUpperCase() + text.slice(1) : text);

/* What the page hands the script (the tracker-config JSON element), and the page's timings.
 *
 * window.trackerTimings records how long the first draw and each redraw took
 * (performance.now(), milliseconds from navigation start), so tests can measure the
 * page with the browser's own clock.
 */

const config = JSON.parse(document.getElementById("tracker-config").textContent);

export const API = config.api;
export const LABELS = config.labels;
// What the public view holds: { delay_hours, coordinate_decimals } from the settings.
export const PUBLIC_VIEW = config.public_view;

export const timings = (window.trackerTimings = { interactive: null, redraws: [], counts: {} });

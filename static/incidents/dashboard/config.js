/* What the page hands the script (the tracker-config JSON element), and the page's timings.
 *
 * window.trackerTimings records how long the first draw and each redraw took
 * (performance.now(), milliseconds from navigation start), so tests can measure the
 * page with the browser's own clock.
 */

const config = JSON.parse(document.getElementById("tracker-config").textContent);

export const API = config.api;
export const LABELS = config.labels;
/** "public" when the page shows the public view: every API request then asks for it too. */
export const VIEW = config.view || "";

export const timings = (window.trackerTimings = { interactive: null, redraws: [], counts: {} });

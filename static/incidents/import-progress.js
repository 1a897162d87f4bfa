/* The import job's progress bar in the admin: polls the job until it finishes, then
 * reloads the page once to show the final figures and the rejected rows. */
(function () {
  "use strict";

  const box = document.getElementById("import-progress");
  if (!box || box.dataset.finished === "true") return;
  const bar = document.getElementById("import-progress-bar");
  const text = document.getElementById("import-progress-text");
  const hint = document.getElementById("import-worker-hint");
  const labels = {
    queued: gettext("Queued"), running: gettext("Running"), done: gettext("Done"), failed: gettext("Failed"),
  };
  async function poll() {
    let job;
    try {
      const response = await fetch(box.dataset.url, { credentials: "same-origin" });
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      job = await response.json();
    } catch (error) {
      // A dropped connection or a restarting server: ask again a little later.
      return setTimeout(poll, 2000);
    }
    bar.value = job.progress_percent;
    bar.textContent = job.progress_percent + " %";
    text.textContent = interpolate(
      gettext("%(status)s: %(processed)s of %(total)s rows (%(created)s created, %(updated)s updated, %(skipped)s skipped, %(rejected)s rejected)"),
      {
        status: labels[job.status], processed: job.rows_processed, total: job.rows_total ?? "?",
        created: job.rows_created, updated: job.rows_updated, skipped: job.rows_skipped, rejected: job.rows_rejected,
      },
      true,
    );
    // A job nobody takes says so, and how to start a worker.
    hint.textContent = job.worker_hint || "";
    hint.hidden = !job.worker_hint;
    // A finished job reloads once to show its rejected rows and final figures.
    if (job.status === "done" || job.status === "failed") return window.location.reload();
    setTimeout(poll, 1000);
  }
  setTimeout(poll, 1000);
})();

/* The admin's import form: opens the description of the format chosen, so its columns show
 * beside the upload. Every format's description stays reachable (they are <details>). */
(function () {
  "use strict";

  const select = document.getElementById("id_format");
  const guides = document.querySelectorAll("#import-formats details[data-format]");
  if (!select || !guides.length) return;
  function show() {
    guides.forEach((guide) => { guide.open = guide.dataset.format === select.value; });
  }
  select.addEventListener("change", show);
  show();
})();

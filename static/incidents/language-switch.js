/* The header's language switch: with scripts, choosing a language submits the form at
 * once and the button is hidden; without them, the button submits it. */
for (const select of document.querySelectorAll("select[data-submit-on-change]")) {
  const button = select.form.querySelector(".language-submit");
  if (button) button.hidden = true;
  select.addEventListener("change", () => select.form.submit());
}

/* The attack and facility forms of the admin, for entering a report in one page:
 *
 * - the coordinates field beside the map reads what is typed (coordinates.js), says how
 *   it read it, and moves the point; a point placed on the map fills the field;
 * - new damage, outage and response rows cite the attack's sources until someone
 *   chooses theirs (the server does the same for a row saved without sources);
 * - a row's "Change" link opens the record in a popup, so the attack stays open; once
 *   the popup saves, the row's fields (and the version the server checks) are refreshed
 *   from the server, so saving the attack does not write the old values back;
 * - a facility chosen in a damage row offers its location as the impact point.
 */
(function () {
  "use strict";

  // Marks a message for `makemessages -d djangojs` (like Django's own gettext_noop);
  // say() translates it when it is shown, with the JavaScript catalogue the page loads.
  const gettext_noop = (message) => message;

  // Every user-visible string of this file, in one place for translation.
  const STRINGS = {
    useLocation: gettext_noop("Use %(name)s location (%(lat)s, %(lng)s)"),
    changedInPopup: gettext_noop("Saved in the other window. Reload this page to see the change here: saving this form as it is would undo it."),
    reload: gettext_noop("Reload"),
    refreshedFromPopup: gettext_noop("Saved in the other window; this row now shows what was saved."),
  };

  function say(template, values) {
    const text = window.gettext ? window.gettext(template) : template;
    return text.replace(/%\((\w+)\)s/g, (_, name) => String(values[name]));
  }

  // The admin's jQuery (select2's events come through it); its script may come after this one.
  let $ = null;
  const coordinates = window.trackerCoordinates;

  // ------------------------------------------------------------ coordinates beside the map

  function attachCoordinates(input) {
    const store = document.getElementById(input.dataset.coordinatesFor);
    const reading = document.createElement("div");
    reading.className = "coordinates-reading";
    reading.id = `${input.id}-reading`;
    reading.setAttribute("aria-live", "polite");
    input.setAttribute("aria-describedby", `${reading.id} ${input.getAttribute("aria-describedby") || ""}`.trim());
    input.insertAdjacentElement("afterend", reading);

    function show(text, isError) {
      reading.textContent = text;
      reading.classList.toggle("coordinates-error", Boolean(isError));
    }

    function read(movePoint) {
      if (!input.value.trim()) {
        show("", false);
        return;
      }
      const result = coordinates.parse(input.value);
      if (result.error) {
        show(result.error, true);
        return;
      }
      show(result.message, false);
      if (movePoint && store) {
        store.dispatchEvent(new CustomEvent("tracker:place", { detail: { lat: result.latitude, lng: result.longitude } }));
      }
    }

    input.addEventListener("input", () => read(true));
    input.addEventListener("change", () => read(true));
    if (store) {
      store.addEventListener("tracker:placed", (event) => {
        const point = event.detail;
        input.value = point ? `${coordinates.shown(point.lat)}, ${coordinates.shown(point.lng)}` : "";
        read(false);
      });
      // Coordinates typed before the map was ready are placed once it is.
      store.addEventListener("tracker:mapready", () => read(true));
    }
    input.trackerPlace = (lat, lng) => {
      input.value = `${coordinates.shown(lat)}, ${coordinates.shown(lng)}`;
      read(true);
    };
    read(Boolean(store && store.dataset.mapReady));
  }

  // ------------------------------------------------------------ sources of new rows

  function isNewRow(select) {
    const row = select.closest(".inline-related");
    if (!row) return false;
    const id = row.querySelector('input[type="hidden"][name$="-id"]');
    return !id || !id.value;
  }

  function childSourceSelects() {
    return Array.from(document.querySelectorAll('.inline-related select[name$="-sources"]')).filter(
      (select) => !select.name.includes("__prefix__"),
    );
  }

  function copySources(attackSources, select) {
    const chosen = Array.from(attackSources.selectedOptions);
    select.replaceChildren(...chosen.map((option) => new Option(option.textContent, option.value, true, true)));
    $(select).trigger("change");
  }

  function attachSources() {
    const attackSources = document.getElementById("id_sources");
    if (!attackSources || !$) return;
    // Rows the script fills: new, and not chosen by hand since.
    const managed = new WeakSet();
    for (const select of childSourceSelects()) {
      if (isNewRow(select) && !select.selectedOptions.length) managed.add(select);
    }
    const refresh = () => {
      for (const select of childSourceSelects()) if (managed.has(select)) copySources(attackSources, select);
    };
    $(attackSources).on("change", refresh);
    $(document).on("select2:select select2:unselect", 'select[name$="-sources"]', (event) => {
      if (event.target !== attackSources) managed.delete(event.target);
    });
    document.addEventListener("formset:added", (event) => {
      const select = event.target.querySelector('select[name$="-sources"]');
      if (select) {
        managed.add(select);
        copySources(attackSources, select);
      }
    });
    refresh();
  }

  // ------------------------------------------------------------ change links in a popup

  function attachChangeLinks() {
    const links = document.querySelectorAll(".inline-group a.inlinechangelink, .inline-group a.inlineviewlink");
    links.forEach((link, index) => {
      const url = new URL(link.href, window.location.href);
      url.searchParams.set("_popup", "1");
      link.href = url.toString();
      link.id = `change_inline_${index}`;
      link.classList.add("related-widget-wrapper-link");
      link.dataset.popup = "yes";
    });
    if (!links.length || typeof window.dismissChangeRelatedObjectPopup !== "function") return;
    const django = window.dismissChangeRelatedObjectPopup;
    window.dismissChangeRelatedObjectPopup = function (win, objId, newRepr, newId) {
      if (!win.name.startsWith("inline_")) return django.apply(this, arguments);
      const index = Number(win.name.replace(/^inline_/, "").split("__")[0]);
      const link = document.getElementById(`change_inline_${index}`);
      if (link) refreshRow(link.closest("tr.form-row, .inline-related"), newRepr);
      win.close();
      return undefined;
    };
  }

  // The row's saved values from the attack page as the server shows it now; the note
  // asking for a reload stays if that fails.
  async function refreshRow(row, repr) {
    if (!row || !row.id) return markChanged(row, repr);
    try {
      const response = await fetch(window.location.href, { credentials: "same-origin", headers: { Accept: "text/html" } });
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      const page = new DOMParser().parseFromString(await response.text(), "text/html");
      const fresh = page.getElementById(row.id);
      const id = (element) => element && element.querySelector('input[name$="-id"]');
      if (!fresh || !id(row) || id(fresh).value !== id(row).value) throw new Error("row not found");
      copyFields(fresh, row);
      showNote(row, "changed-in-popup refreshed-from-popup", say(STRINGS.refreshedFromPopup, {}));
    } catch (error) {
      markChanged(row, repr);
    }
    return undefined;
  }

  // Every named field of `from` (values, the values they were shown with, the version)
  // into the field of the same name in `to`.
  function copyFields(from, to) {
    // The values a row was shown with: a field may have none or several of them.
    const shownWith = 'input[type="hidden"][name^="initial-"]';
    to.querySelectorAll(shownWith).forEach((input) => input.remove());
    const holder = to.tagName === "TR" ? to.cells[0] : to;
    for (const input of from.querySelectorAll(shownWith)) holder.append(document.importNode(input, true));
    for (const source of from.querySelectorAll("input[name], select[name], textarea[name]")) {
      if (source.matches(shownWith) || source.name.endsWith("-DELETE")) continue;
      const target = Array.from(to.querySelectorAll("input[name], select[name], textarea[name]")).find(
        (element) => element.name === source.name && element.type === source.type,
      );
      if (!target || source.type === "file") continue;
      if (source.type === "checkbox" || source.type === "radio") {
        target.checked = source.hasAttribute("checked");
      } else if (source.tagName === "SELECT") {
        // Autocomplete selects hold only their chosen options: take the server's.
        const chosen = Array.from(source.options)
          .filter((option) => option.hasAttribute("selected"))
          .map((option) => option.value);
        if (target.classList.contains("admin-autocomplete")) {
          target.replaceChildren(...Array.from(source.options).map((option) => option.cloneNode(true)));
        }
        for (const option of target.options) option.selected = chosen.includes(option.value);
        if ($) $(target).trigger("change");
      } else if (source.tagName === "TEXTAREA") {
        target.value = source.textContent;
      } else {
        target.value = source.getAttribute("value") || "";
      }
    }
  }

  function showNote(row, className, text) {
    const old = row.querySelector(".changed-in-popup");
    if (old) old.remove();
    const note = document.createElement("p");
    note.className = className;
    note.setAttribute("role", "status");
    note.textContent = text;
    if (row.tagName === "TR") {
      const cell = row.querySelector("td.original") || row.cells[0];
      if (cell) cell.append(note);
    } else {
      row.prepend(note);
    }
    return note;
  }

  function markChanged(row, repr) {
    if (!row) return;
    const note = showNote(row, "changed-in-popup", `${repr}: ${say(STRINGS.changedInPopup, {})} `);
    const reload = document.createElement("a");
    reload.href = window.location.href;
    reload.textContent = say(STRINGS.reload, {});
    note.append(reload);
  }

  // ------------------------------------------------------------ a facility's location

  function attachFacilityLocations() {
    const input = document.getElementById("id_impact_coordinates");
    if (!input || !$) return;
    $(document).on("select2:select", 'select[name$="-facility"]', (event) => {
      const data = event.params.data;
      offerLocation(event.target, data);
    });
    $(document).on("select2:unselect select2:clear", 'select[name$="-facility"]', (event) => {
      offerLocation(event.target, null);
    });
  }

  function offerLocation(select, data) {
    const box = select.closest(".fieldBox, .form-row") || select.parentElement;
    const old = box.querySelector(".use-facility-location");
    if (old) old.remove();
    if (!data || data.latitude === undefined || data.latitude === null) return;
    const button = document.createElement("button");
    button.type = "button";
    button.className = "button use-facility-location";
    button.textContent = say(STRINGS.useLocation, {
      name: data.name || data.text,
      lat: coordinates.shown(data.latitude),
      lng: coordinates.shown(data.longitude),
    });
    button.addEventListener("click", () => {
      const input = document.getElementById("id_impact_coordinates");
      input.trackerPlace(data.latitude, data.longitude);
      input.scrollIntoView({ block: "center" });
    });
    box.append(button);
  }

  function start() {
    $ = window.django && window.django.jQuery;
    if (coordinates) document.querySelectorAll("input[data-coordinates-for]").forEach(attachCoordinates);
    attachSources();
    attachChangeLinks();
    attachFacilityLocations();
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();

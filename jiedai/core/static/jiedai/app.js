// Small progressive enhancements; every page works without JavaScript.
// The Content-Security-Policy forbids inline scripts and handlers: everything hangs off data-* attributes here,
// through delegated listeners, so content that htmx swaps in works without re-binding.
(function () {
  "use strict";

  // ---- 打印: <button data-print> -------------------------------------------------------------------
  document.addEventListener("click", function (event) {
    if (event.target.closest("[data-print]")) {
      event.preventDefault();
      window.print();
    }
  });

  // ---- days of stay, shown live (policy 2.1.1): calendar days in the visit's local dates, both ends counted -----
  function localDate(value) {
    // a datetime-local value "2026-05-20T09:00" is already Asia/Shanghai wall-clock time: take its date part
    var match = /^(\d{4})-(\d{2})-(\d{2})/.exec(value || "");
    return match ? Date.UTC(+match[1], +match[2] - 1, +match[3]) : null;
  }

  function updateStay(form) {
    var output = form.querySelector("[data-stay-output]");
    if (!output) { return; }
    var start = form.querySelector("[data-stay-start]");
    var end = form.querySelector("[data-stay-end]");
    var from = localDate(start && start.value);
    var to = localDate(end && end.value);
    var ok = from !== null && to !== null && end.value > start.value;
    output.textContent = ok ? String(Math.round((to - from) / 86400000) + 1) : "—";
    var warning = form.querySelector("[data-stay-warning]");
    if (warning) { warning.classList.toggle("d-none", !(from !== null && to !== null && !ok)); }
  }

  // ---- 2.1.2: the lead, departments, statement and outcome are required for important visits or when
  //      departments are named; mark the section as required while that is so --------------------------------
  function updateImportant(form) {
    var section = form.querySelector("[data-important-section]");
    if (!section) { return; }
    var important = (section.getAttribute("data-important-values") || "").split(",");
    var chosen = form.querySelector("input[name=importance]:checked");
    var departments = form.querySelectorAll("input[name=coordinating_departments]:checked").length > 0;
    section.classList.toggle("is-required", departments || (chosen !== null && important.indexOf(chosen.value) >= 0));
  }

  // ---- client rows: add, remove, renumber, fill from the directory ---------------------------------------
  function clientList(form) { return form.querySelector("[data-client-rows]"); }

  function renumber(form) {
    var rows = clientList(form).querySelectorAll("[data-client-row]");
    rows.forEach(function (row, index) {
      var label = row.querySelector("[data-client-number]");
      if (label) { label.textContent = String(index + 1); }
      var remove = row.querySelector("[data-client-remove]");
      if (remove) { remove.disabled = rows.length === 1; }
    });
  }

  function addRow(form) {
    var template = form.querySelector("template[data-client-template]");
    var list = clientList(form);
    list.appendChild(template.content.cloneNode(true));
    renumber(form);
    var rows = list.querySelectorAll("[data-client-row]");
    return rows[rows.length - 1];
  }

  function isBlank(row) {
    return Array.prototype.every.call(row.querySelectorAll("input"), function (input) { return !input.value.trim(); });
  }

  function pick(form, data) {
    var rows = clientList(form).querySelectorAll("[data-client-row]");
    var target = Array.prototype.find.call(rows, isBlank) || addRow(form);
    ["name", "organization", "title", "phone", "email"].forEach(function (field) {
      var input = target.querySelector("[name=client_" + field + "]");
      if (input) {
        input.value = data[field] || "";
        input.classList.remove("is-invalid");
      }
    });
    target.classList.add("border-success");
    window.setTimeout(function () { target.classList.remove("border-success"); }, 1200);
    var search = form.querySelector("[data-client-search]");
    var results = form.querySelector("[data-client-results]");
    if (search) { search.value = ""; }
    if (results) { results.innerHTML = ""; }
    var first = target.querySelector("[name=client_name]");
    if (first) { first.focus(); }
  }

  document.addEventListener("click", function (event) {
    var form = event.target.closest("form[data-reception-form]");
    if (!form) { return; }
    if (event.target.closest("[data-client-add]")) {
      event.preventDefault();
      var row = addRow(form);
      row.querySelector("input").focus();
      return;
    }
    var remove = event.target.closest("[data-client-remove]");
    if (remove) {
      event.preventDefault();
      var rows = clientList(form).querySelectorAll("[data-client-row]");
      if (rows.length > 1) { remove.closest("[data-client-row]").remove(); }
      renumber(form);
      return;
    }
    var choice = event.target.closest("[data-pick-client]");
    if (choice) {
      event.preventDefault();
      pick(form, choice.dataset);
    }
  });

  document.addEventListener("keydown", function (event) {
    // Enter in the directory search must not submit the whole request form
    if (event.key === "Enter" && event.target.matches("[data-client-search]")) {
      event.preventDefault();
    }
  });

  function onFormInput(event) {
    var form = event.target.closest("form[data-reception-form]");
    if (!form) { return; }
    if (event.target.matches("[data-stay-start], [data-stay-end]")) { updateStay(form); }
    if (event.target.matches("input[name=importance], input[name=coordinating_departments]")) { updateImportant(form); }
    if (event.target.classList.contains("is-invalid") && event.type === "input") {
      event.target.classList.remove("is-invalid");
    }
  }
  document.addEventListener("input", onFormInput);
  document.addEventListener("change", onFormInput);

  // ---- the decision panel: reject and return need a comment (the server checks too) -------------------
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-needs-comment]");
    if (!button) { return; }
    var form = button.closest("form");
    var comment = form && form.querySelector("textarea[name=comment]");
    if (comment && !comment.value.trim()) {
      event.preventDefault();
      event.stopImmediatePropagation();
      comment.classList.add("is-invalid");
      var feedback = form.querySelector("[data-comment-feedback]");
      if (feedback) { feedback.classList.remove("d-none"); feedback.classList.add("d-block"); }
      comment.focus();
    }
  }, true);

  // ---- confirmation: <button data-confirm="…">; after the comment check, so a refused click asks nothing ----
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-confirm]");
    if (button && !window.confirm(button.getAttribute("data-confirm"))) {
      event.preventDefault();
      event.stopImmediatePropagation();
    }
  }, true);

  function init(root) {
    root.querySelectorAll("form[data-reception-form]").forEach(function (form) {
      updateStay(form);
      updateImportant(form);
      renumber(form);
      // after a refused save, take the user to the first field to fix (the alert above says why)
      var invalid = form.querySelector(".is-invalid");
      if (invalid && root === document) { invalid.focus({ preventScroll: true }); invalid.scrollIntoView({ block: "center" }); }
    });
  }

  // A plan page on a phone: bring the current tab into view in the sideways-scrolling tab row.
  function showActiveTab() {
    var active = document.querySelector(".plan-tabs .nav-link.active");
    var row = active && active.closest(".plan-tabs");
    if (row && row.scrollWidth > row.clientWidth) {
      row.scrollLeft = active.offsetLeft - (row.clientWidth - active.offsetWidth) / 2;
    }
  }

  document.addEventListener("DOMContentLoaded", function () { init(document); showActiveTab(); });
  document.addEventListener("htmx:afterSettle", function (event) { init(event.target); });
}());

/* Staff casework console: small enhancements; every page works without this file.
   - a reply template fills the note it belongs to (without JavaScript its text shows to copy);
   - a merge candidate fills the case number;
   - the queue's filter lists apply as soon as one is changed. */
(function () {
  "use strict";

  function $all(selector, root) { return Array.prototype.slice.call((root || document).querySelectorAll(selector)); }

  function fill(targetId, text) {
    var target = document.getElementById(targetId);
    if (!target) return;
    target.value = text;
    target.dispatchEvent(new Event("input", { bubbles: true }));
    target.focus();
  }

  document.addEventListener("DOMContentLoaded", function () {
    $all("[data-template-target]").forEach(function (button) {
      button.addEventListener("click", function () {
        fill(button.getAttribute("data-template-target"), button.getAttribute("data-template-body"));
        $all("[data-template-target]", button.closest("[data-template-picker]")).forEach(function (other) {
          other.classList.toggle("filter-chip--active", other === button);
        });
      });
    });
    $all("[data-fill]").forEach(function (button) {
      button.addEventListener("click", function () { fill(button.getAttribute("data-fill"), button.getAttribute("data-value")); });
    });
    $all("[data-case-filters]").forEach(function (form) {
      $all("[data-autosubmit]", form).forEach(function (select) {
        select.addEventListener("change", function () { form.submit(); });
      });
      $all("[data-autosubmit-hide]", form).forEach(function (button) { button.hidden = true; });
    });
  });
})();

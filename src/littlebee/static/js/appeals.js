/* The appeal form: small enhancements; the form works without this file.
   - the enterprise picker and the "hide my identity" toggle show only for appeals that involve
     an enterprise; picking one's own employer turns the toggle on (until the worker sets it);
   - similar past appeals appear while the subject is typed;
   - chosen images show as previews, at most data-max-attachments of them. */
(function () {
  "use strict";

  function debounce(fn, ms) {
    var timer = null;
    return function () {
      clearTimeout(timer);
      timer = setTimeout(fn, ms);
    };
  }

  function init(form) {
    var section = form.querySelector("[data-enterprise-section]");
    var select = form.querySelector("select[name=enterprise]");
    var toggle = form.querySelector("input[name=anonymous_to_enterprise]");
    var anonymity = form.querySelector("[data-anonymity]");
    var employer = form.getAttribute("data-employer");
    var enterpriseValue = form.getAttribute("data-involves-enterprise");
    var touched = false;

    function involves() {
      var checked = form.querySelector("input[name=involves]:checked");
      return checked ? checked.value : "";
    }
    function kind() {
      var checked = form.querySelector("input[name=type]:checked");
      return checked ? checked.value : "";
    }
    function syncSection() {
      if (section) section.hidden = involves() !== enterpriseValue;
    }
    function syncToggle() {
      if (anonymity && toggle) anonymity.classList.toggle("appeal-anonymity--on", toggle.checked);
    }

    form.querySelectorAll("input[name=involves]").forEach(function (radio) {
      radio.addEventListener("change", function () { syncSection(); lookup(); });
    });
    form.querySelectorAll("input[name=type]").forEach(function (radio) {
      radio.addEventListener("change", function () { lookup(); });
    });
    if (toggle) {
      toggle.addEventListener("change", function () { touched = true; syncToggle(); });
    }
    if (select && toggle) {
      select.addEventListener("change", function () {
        if (!touched && employer) {
          toggle.checked = select.value === employer;
          syncToggle();
        }
      });
    }
    syncSection();
    syncToggle();

    // Similar past appeals.
    var subject = form.querySelector("input[name=subject]");
    var box = form.querySelector("[data-similar]");
    var list = form.querySelector("[data-similar-list]");
    var url = form.getAttribute("data-similar-url");
    var asked = "";
    function render(results) {
      list.textContent = "";
      results.forEach(function (item) {
        var li = document.createElement("li");
        li.className = "appeal-similar__item";
        var title = document.createElement("p");
        title.className = "appeal-similar__subject";
        var badge = document.createElement("span");
        badge.className = "badge";
        badge.textContent = item.type_label;
        title.appendChild(badge);
        title.appendChild(document.createTextNode(" " + item.subject));
        li.appendChild(title);
        if (item.resolution) {
          var answer = document.createElement("p");
          answer.className = "appeal-similar__answer";
          answer.textContent = item.resolution.length > 160 ? item.resolution.slice(0, 159) + "…" : item.resolution;
          li.appendChild(answer);
        }
        list.appendChild(li);
      });
      box.hidden = results.length === 0;
    }
    var lookup = debounce(function () {
      if (!subject || !box || !url) return;
      var text = subject.value.trim();
      var key = text + "|" + kind() + "|" + involves();
      if (key === asked) return;
      asked = key;
      if (text.length < 2) { render([]); return; }
      var query = new URLSearchParams({ q: text, type: kind(), involves: involves() });
      fetch(url + "?" + query.toString(), { headers: { Accept: "application/json" }, credentials: "same-origin" })
        .then(function (response) { return response.ok ? response.json() : { results: [] }; })
        .then(function (data) { if (asked === key) render(data.results || []); })
        .catch(function () { /* offline: the server shows them after sending */ });
    }, 350);
    if (subject) subject.addEventListener("input", lookup);

    // Image previews.
    var input = form.querySelector("[data-attachments]");
    var previews = form.querySelector("[data-previews]");
    var errors = form.querySelector("[data-attachments-errors]");
    var max = parseInt(form.getAttribute("data-max-attachments") || "9", 10);
    if (input && previews) {
      input.addEventListener("change", function () {
        previews.textContent = "";
        var files = Array.prototype.slice.call(input.files || []);
        if (errors) {
          errors.textContent = "";
          errors.hidden = files.length <= max;
          if (files.length > max) {
            var li = document.createElement("li");
            li.className = "field__error";
            li.textContent = form.getAttribute("data-msg-too-many");
            errors.appendChild(li);
          }
        }
        files.slice(0, max).forEach(function (file) {
          var item = document.createElement("li");
          var img = document.createElement("img");
          img.alt = "";
          img.src = URL.createObjectURL(file);
          item.appendChild(img);
          previews.appendChild(item);
        });
        previews.hidden = files.length === 0;
      });
    }
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-appeal-form]").forEach(init);
  });
})();

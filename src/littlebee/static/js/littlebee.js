/* Little Bee: small progressive enhancements. Every page works without this file:
   - toasts can be dismissed (and fade on their own);
   - tabs switch without reloading (they are links otherwise);
   - district → street → community and enterprise → outlet lists fill in as you pick
     (otherwise a "refresh the lists" button redraws the form on the server);
   - "use my location" finds the community from the phone's position;
   - "获取验证码" sends the code without leaving the page and counts down to the next resend. */
(function () {
  "use strict";

  function $(selector, root) { return (root || document).querySelector(selector); }
  function $all(selector, root) { return Array.prototype.slice.call((root || document).querySelectorAll(selector)); }

  /* Toasts -------------------------------------------------------------- */
  function dismiss(toast) {
    if (!toast || toast.classList.contains("is-leaving")) return;
    toast.classList.add("is-leaving");
    window.setTimeout(function () {
      var list = toast.parentNode;
      toast.remove();
      if (list && !list.children.length) list.remove();
    }, 220);
  }

  function initToast(toast) {
    var close = $("[data-toast-close]", toast);
    if (close) close.addEventListener("click", function () { dismiss(toast); });
    if (!toast.classList.contains("toast--error") && !toast.classList.contains("toast--warning")) {
      window.setTimeout(function () { dismiss(toast); }, 5000);
    }
  }

  function showToast(text, level) {
    var list = $(".toasts");
    if (!list) {
      list = document.createElement("ul");
      list.className = "toasts";
      list.setAttribute("role", "status");
      list.setAttribute("aria-live", "polite");
      document.body.appendChild(list);
    }
    var item = document.createElement("li");
    item.className = "toast toast--" + (level || "info");
    var span = document.createElement("span");
    span.className = "toast__text";
    span.textContent = text;
    item.appendChild(span);
    list.appendChild(item);
    initToast(item);
  }

  /* Tabs ---------------------------------------------------------------- */
  function initTabs(container) {
    var tabs = $all("[data-tab]", container);
    tabs.forEach(function (tab) {
      tab.addEventListener("click", function (event) {
        event.preventDefault();
        tabs.forEach(function (other) {
          var selected = other === tab;
          other.setAttribute("aria-selected", selected ? "true" : "false");
          var panel = document.getElementById(other.getAttribute("data-tab"));
          if (panel) panel.hidden = !selected;
        });
        if (window.history && window.history.replaceState) {
          window.history.replaceState(null, "", tab.getAttribute("href"));
        }
        var first = $("input:not([type=hidden])", document.getElementById(tab.getAttribute("data-tab")));
        if (first && !first.value) first.focus();
      });
    });
  }

  /* Pick-lists from the API ---------------------------------------------- */
  var cache = {};

  function getJSON(url) {
    if (!cache[url]) {
      cache[url] = fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
        .then(function (response) {
          return response.json().then(function (body) {
            if (!response.ok) {
              var error = new Error(body && body.detail ? body.detail : response.statusText);
              error.status = response.status;
              throw error;
            }
            return body;
          });
        })
        .catch(function (error) { delete cache[url]; throw error; });
    }
    return cache[url];
  }

  /* All children of a region: the API pages by 100. */
  function regionChildren(baseUrl, parentId) {
    var items = [];
    function page(offset) {
      return getJSON(baseUrl + "?parent=" + encodeURIComponent(parentId) + "&limit=100&offset=" + offset)
        .then(function (body) {
          items = items.concat(body.items);
          return items.length < body.count && body.items.length ? page(offset + body.items.length) : items;
        });
    }
    return page(0);
  }

  function fillSelect(select, items, keepValue) {
    var blank = select.options.length && select.options[0].value === "" ? select.options[0] : null;
    var previous = keepValue ? select.value : "";
    select.innerHTML = "";
    if (blank) select.appendChild(blank);
    items.forEach(function (item) {
      var option = document.createElement("option");
      option.value = String(item.id);
      option.textContent = item.name;
      select.appendChild(option);
    });
    select.value = previous;
    if (select.value !== previous) select.value = "";
  }

  function clearSelect(select) {
    fillSelect(select, [], false);
    select.disabled = false;
  }

  function initRegionPicker(picker) {
    var url = picker.getAttribute("data-regions-url");
    var selects = $all("select", picker);

    function clearBelow(index) {
      for (var i = index + 1; i < selects.length; i++) clearSelect(selects[i]);
    }

    function load(index, parentId) {
      var target = selects[index + 1];
      if (!target) return Promise.resolve();
      clearBelow(index);
      if (!parentId) return Promise.resolve();
      target.disabled = true;
      return regionChildren(url, parentId)
        .then(function (items) { fillSelect(target, items, false); })
        .finally(function () { target.disabled = false; });
    }

    selects.forEach(function (select, index) {
      if (index === selects.length - 1) return;
      select.addEventListener("change", function () { load(index, select.value); });
    });

    picker.regionPicker = {
      /* Select a community found by position; the answer names its street and district. */
      choose: function (found) {
        var district = selects[0], street = selects[1], leaf = selects[2];
        if (!found.district || !found.street) return Promise.reject(new Error("not-listed"));
        district.value = String(found.district.id);
        return regionChildren(url, found.district.id).then(function (streets) {
          fillSelect(street, streets, false);
          street.value = String(found.street.id);
          return regionChildren(url, found.street.id);
        }).then(function (communities) {
          fillSelect(leaf, communities, false);
          leaf.value = String(found.community.id);
        });
      }
    };
  }

  function initLocate(box) {
    if (!("geolocation" in navigator)) return;
    var form = box.closest("form");
    var picker = form && $("[data-region-picker]", form);
    var status = form && $("[data-locate-status]", form);
    var button = $("[data-locate-button]", box);
    if (!picker || !button) return;
    box.hidden = false;

    function say(text, isError) {
      if (!status) return;
      status.hidden = !text;
      status.textContent = text;
      status.classList.toggle("locate__status--error", Boolean(isError));
    }

    /* Messages come translated from the page (data-msg-*). */
    function msg(name) { return box.getAttribute("data-msg-" + name) || ""; }

    button.addEventListener("click", function () {
      button.disabled = true;
      say(msg("finding"));
      navigator.geolocation.getCurrentPosition(function (position) {
        var url = box.getAttribute("data-locate-url") + "?lat=" + position.coords.latitude + "&lng=" + position.coords.longitude;
        getJSON(url)
          .then(function (body) {
            return picker.regionPicker.choose(body).then(function () {
              say(msg("found") + body.full_name + (body.approximate ? msg("approximate") : ""));
            });
          })
          .catch(function () { say(msg("none"), true); })
          .finally(function () { button.disabled = false; });
      }, function () {
        say(msg("denied"), true);
        button.disabled = false;
      }, { enableHighAccuracy: true, timeout: 10000, maximumAge: 60000 });
    });
  }

  function initOutlets(select) {
    var target = document.getElementById(select.getAttribute("data-outlets"));
    var fieldset = select.closest("[data-enterprises-url]");
    if (!target || !fieldset) return;
    var base = fieldset.getAttribute("data-enterprises-url");
    select.addEventListener("change", function () {
      clearSelect(target);
      if (!select.value) return;
      target.disabled = true;
      getJSON(base + "/" + encodeURIComponent(select.value) + "/outlets")
        .then(function (items) { fillSelect(target, items, false); })
        .finally(function () { target.disabled = false; });
    });
  }

  /* SMS code button --------------------------------------------------------- */
  function initSmsButton(button) {
    var form = button.form;
    var label = button.getAttribute("data-label") || button.textContent;
    var countdownLabel = button.getAttribute("data-countdown-label") || "%(seconds)s";
    var resend = parseInt(button.getAttribute("data-resend"), 10) || 60;
    var errorBox = form && $("[data-sms-error]", form);
    var timer = null;

    function showError(text) {
      if (!errorBox) return;
      errorBox.hidden = !text;
      $("span", errorBox).textContent = text || "";
    }

    function countdown(seconds) {
      window.clearInterval(timer);
      var left = seconds;
      function tick() {
        if (left <= 0) {
          window.clearInterval(timer);
          button.disabled = false;
          button.textContent = label;
          return;
        }
        button.disabled = true;
        button.textContent = countdownLabel.replace("%(seconds)s", left);
        left -= 1;
      }
      tick();
      timer = window.setInterval(tick, 1000);
    }

    var wait = parseInt(button.getAttribute("data-wait"), 10) || 0;
    if (wait > 0) countdown(wait);

    button.addEventListener("click", function (event) {
      event.preventDefault();
      showError("");
      button.disabled = true;
      fetch(button.getAttribute("formaction"), {
        method: "POST",
        body: new FormData(form),
        headers: { Accept: "application/json" },
        credentials: "same-origin"
      })
        .then(function (response) {
          return response.json().then(function (body) {
            if (response.ok) {
              showToast(body.detail, "info");
              countdown(body.resend_after || resend);
              var code = form.elements.code;
              if (code) code.focus();
              return;
            }
            showError(body.detail);
            var retry = parseInt(response.headers.get("Retry-After"), 10);
            if (response.status === 429 && retry > 0 && retry <= 300) countdown(retry);
            else button.disabled = false;
          });
        })
        .catch(function () {
          showError(button.getAttribute("data-network-error"));
          button.disabled = false;
        });
    });
  }

  // A button that undoes something a worker may regret asks first; without JavaScript it just submits.
  function initConfirm(button) {
    button.addEventListener("click", function (event) {
      if (!window.confirm(button.getAttribute("data-confirm"))) event.preventDefault();
    });
  }

  /* Text length counter ------------------------------------------------------ */
  /* Every long text box with a limit (a textarea with maxlength, e.g. 2000) counts what was
     typed under it, so the limit is seen before it is reached; it turns to a warning in the
     last tenth. The words come from the page (body[data-msg-chars]). */
  function initCounter(box) {
    var max = parseInt(box.getAttribute("maxlength"), 10);
    if (!max || max < 200) return;
    var template = document.body.getAttribute("data-msg-chars") || "__N__ / __MAX__";
    var counter = document.createElement("p");
    counter.className = "char-count";
    counter.setAttribute("aria-live", "polite");
    counter.setAttribute("data-char-count", "");
    box.insertAdjacentElement("afterend", counter);
    function update() {
      var n = box.value.length;
      counter.textContent = template.replace("__N__", String(n)).replace("__MAX__", String(max));
      counter.classList.toggle("char-count--near", n >= max * 0.9);
    }
    box.addEventListener("input", update);
    update();
  }

  document.addEventListener("DOMContentLoaded", function () {
    $all("textarea[maxlength]").forEach(initCounter);
    $all("[data-confirm]").forEach(initConfirm);
    $all("[data-toast]").forEach(initToast);
    $all("[data-tabs]").forEach(initTabs);
    $all("[data-region-picker]").forEach(initRegionPicker);
    $all("[data-locate]").forEach(initLocate);
    $all("select[data-outlets]").forEach(initOutlets);
    $all("[data-sms-button]").forEach(initSmsButton);
  });
})();

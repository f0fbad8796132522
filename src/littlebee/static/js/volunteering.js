/* 用心做 pages: find tasks from where the phone is, and check in or out with the organiser's QR
 * (its token arrives in the URL fragment, read by qr-fragment.js) or with the phone's position. */
(function () {
  "use strict";

  function locate(done, failed) {
    if (!navigator.geolocation) { failed(); return; }
    navigator.geolocation.getCurrentPosition(
      function (p) { done(p.coords.latitude, p.coords.longitude); },
      failed,
      { enableHighAccuracy: true, timeout: 10000, maximumAge: 60000 }
    );
  }

  document.querySelectorAll("[data-locate]").forEach(function (button) {
    button.addEventListener("click", function () {
      button.disabled = true;
      locate(function (lat, lng) {
        var params = new URLSearchParams(window.location.search);
        params.set("lat", lat.toFixed(6));
        params.set("lng", lng.toFixed(6));
        window.location.search = params.toString();
      }, function () {
        button.disabled = false;
        var note = document.querySelector("[data-locate-failed]");
        if (note) note.hidden = false;
      });
    });
  });

  /* The QR's token, from the fragment: on load, and when a scan opens this same page again
   * (only the fragment changes, so the page is not reloaded). */
  function takeToken() {
    var token = window.LittleBeeFragment ? window.LittleBeeFragment.take("token") : "";
    if (!token) return;
    document.querySelectorAll("form[data-where]").forEach(function (form) {
      var input = form.querySelector("input[name=token]");
      if (!input) return;
      input.value = token;
      var scanned = form.querySelector("[data-scanned]");
      if (scanned) scanned.hidden = false;
    });
  }
  takeToken();
  window.addEventListener("hashchange", takeToken);

  document.querySelectorAll("form[data-where]").forEach(function (form) {
    var tokenInput = form.querySelector("input[name=token]");
    form.addEventListener("submit", function (event) {
      if (form.dataset.located || (tokenInput && tokenInput.value)) return;
      event.preventDefault();
      locate(function (lat, lng) {
        form.querySelector("input[name=lat]").value = lat.toFixed(6);
        form.querySelector("input[name=lng]").value = lng.toFixed(6);
        form.dataset.located = "1";
        form.submit();
      }, function () {
        form.dataset.located = "1";
        form.submit();
      });
    });
  });
})();

/* Registers the site's service worker (/sw.js, scope /): it keeps the pages a worker has seen,
 * and the files they need, for when the phone has no network. The report queue has its own
 * worker at /reports/ (report-form.js registers it); the two live side by side. */
(function () {
  "use strict";
  var script = document.currentScript;
  var url = script && script.getAttribute("data-service-worker");
  if (!url || !("serviceWorker" in navigator)) return;
  window.addEventListener("load", function () {
    navigator.serviceWorker.register(url, { scope: "/" }).catch(function () {
      /* no worker (private mode, an old browser): the site works as before, online only */
    });
  });
})();

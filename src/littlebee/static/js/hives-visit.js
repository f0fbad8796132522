/* The page a station's QR opens: /hives/<id>/visit/#t=<token>.
 *
 * The token travels in the URL's fragment, which a browser never sends, so it reaches no access
 * log, proxy or Referer. This script takes it out of the address bar (qr-fragment.js, loaded
 * first, as the voucher pickup page does), keeps it for this tab
 * (a worker who must sign in first comes back here without the fragment), and posts it.
 * The poster's print button is wired here too (no inline handlers: the CSP forbids them).
 */
(function () {
  "use strict";

  var KEY = "littlebee.visit-token";
  var MAX_AGE_MS = 30 * 60 * 1000; // a token lives at most two windows; an old one is useless

  function store() {
    try { return window.sessionStorage; } catch (e) { return null; }
  }

  function keep(hive, token) {
    var s = store();
    if (s) s.setItem(KEY, JSON.stringify({ hive: hive, token: token, at: Date.now() }));
  }

  function kept(hive) {
    var s = store();
    if (!s) return "";
    try {
      var value = JSON.parse(s.getItem(KEY) || "null");
      if (value && value.hive === hive && Date.now() - value.at < MAX_AGE_MS) return value.token;
    } catch (e) { /* a damaged entry is as good as none */ }
    return "";
  }

  function forget() {
    var s = store();
    if (s) s.removeItem(KEY);
  }

  function landing(box) {
    var hive = box.getAttribute("data-hive");
    // Off the address bar and out of history: a shared or bookmarked link carries no token.
    var token = window.LittleBeeFragment ? window.LittleBeeFragment.take("t") : "";
    if (token) {
      keep(hive, token);
    } else {
      token = kept(hive);
    }
    if (!token) return; // the "no code read" message stays
    if (box.getAttribute("data-signed-in") !== "true") {
      window.location.replace(box.getAttribute("data-login-url"));
      return;
    }
    var form = box.querySelector("[data-visit-form]");
    form.querySelector("input[name=token]").value = token;
    box.querySelector("[data-visit-missing]").hidden = true;
    box.querySelector("[data-visit-working]").hidden = false;
    forget();
    form.submit();
  }

  function start() {
    var box = document.querySelector("[data-visit-landing]");
    if (box) landing(box);
    Array.prototype.forEach.call(document.querySelectorAll("[data-print]"), function (button) {
      button.addEventListener("click", function () { window.print(); });
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();

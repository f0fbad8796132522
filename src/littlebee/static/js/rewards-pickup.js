/* The keeper's pickup counter, opened by a voucher's QR: /rewards/pickup/#code=<code>.
 *
 * The code is a secret (whoever holds it can have the gift handed out), so the QR carries it in
 * the fragment, which no server, proxy or Referer sees. This script takes it from the address
 * bar (qr-fragment.js), puts it in the lookup form and posts it. Without JavaScript the keeper
 * types the code printed under the QR into the same form.
 */
(function () {
  "use strict";

  function start() {
    var form = document.querySelector("[data-pickup-lookup]");
    if (!form || !window.LittleBeeFragment) return;
    var code = window.LittleBeeFragment.take("code");
    if (!code) return;
    form.querySelector("input[name=code]").value = code;
    form.submit();
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
  // A QR scanned while the counter is already open only changes the fragment: no new page load.
  window.addEventListener("hashchange", start);
})();

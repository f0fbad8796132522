/* Secrets a QR code carries in the URL's fragment (/path/#name=value): a station's visit token,
 * a voucher's code. A browser never sends the fragment, so the secret reaches no access log,
 * proxy or Referer; the page's own script takes it with LittleBeeFragment.take(name), which also
 * clears it from the address bar and history (a shared, bookmarked or screenshotted link then
 * carries nothing), and posts it in a form body. Load this file before the page's script.
 */
(function () {
  "use strict";

  /* The value of name in the fragment ("" when absent); the fragment is removed once read. */
  function take(name) {
    var hash = window.location.hash.replace(/^#/, "");
    if (!hash) return "";
    var value = new URLSearchParams(hash).get(name) || "";
    if (value) window.history.replaceState(null, "", window.location.pathname + window.location.search);
    return value;
  }

  window.LittleBeeFragment = { take: take };
})();

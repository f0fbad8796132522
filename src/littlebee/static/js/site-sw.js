/* The site's service worker, served from /sw.js so that its scope is the whole site (web.views).
 *
 * - On install it keeps the shell: the stylesheet, the scripts every page loads, the icons and
 *   the offline page (the server fills in their current addresses below).
 * - A worker's page (home, points, vouchers, stations, inbox…) is fetched from the network and
 *   a copy kept; with no network the last copy is shown, else the offline page. Pages that say
 *   `no-store` (codes, the keeper's counters) and the staff, sign-in and API paths are never kept.
 * - /reports/ has its own worker (/reports/sw.js, scope /reports/: the more specific scope
 *   wins there), which keeps the report form and sends the offline queue by Background Sync;
 *   this one leaves that path alone.
 * - Signing out forgets the kept pages, so the next person on the phone does not see them.
 */
"use strict";

// Replaced by the server: {"version": "…", "shell": ["/static/…", …], "offline": "/offline/"}.
var CONFIG = __SITE_SW_CONFIG__;

var SHELL = "littlebee-shell-" + CONFIG.version;
var PAGES = "littlebee-pages-v1";
var NOT_KEPT = /^\/(staff|admin|api|login|logout|register|password-reset|i18n|files|reports|media|sw\.js)(\/|$)/;

self.addEventListener("install", function (event) {
  event.waitUntil(
    caches
      .open(SHELL)
      .then(function (cache) { return cache.addAll(CONFIG.shell.concat([CONFIG.offline])); })
      .then(function () { return self.skipWaiting(); })
  );
});

self.addEventListener("activate", function (event) {
  event.waitUntil(
    caches
      .keys()
      .then(function (names) {
        return Promise.all(
          names
            .filter(function (name) { return name.indexOf("littlebee-shell-") === 0 && name !== SHELL; })
            .map(function (name) { return caches.delete(name); })
        );
      })
      .then(function () { return self.clients.claim(); })
  );
});

function forgetPages() {
  return caches.delete(PAGES);
}

function keepable(response) {
  if (!response || !response.ok || response.type !== "basic" || response.redirected) return false;
  var control = response.headers.get("Cache-Control") || "";
  return control.indexOf("no-store") === -1;
}

function page(event) {
  var request = event.request;
  return fetch(request)
    .then(function (response) {
      if (keepable(response)) {
        var copy = response.clone();
        event.waitUntil(caches.open(PAGES).then(function (cache) { return cache.put(request, copy); }));
      } else if (response.redirected && new URL(response.url).pathname.indexOf("/login/") === 0) {
        // Sent to sign in: the session is over, and so is what it saw.
        event.waitUntil(forgetPages());
      }
      return response;
    })
    .catch(function () {
      return caches.match(request, { cacheName: PAGES, ignoreVary: true }).then(function (kept) {
        return kept || caches.match(CONFIG.offline, { cacheName: SHELL, ignoreVary: true });
      });
    });
}

// Files of the shell and the static files pages load: the kept copy at once, refreshed behind.
function staticFile(event) {
  var request = event.request;
  return caches.match(request).then(function (kept) {
    var fresh = fetch(request)
      .then(function (response) {
        if (response.ok && response.type === "basic") {
          var copy = response.clone();
          event.waitUntil(caches.open(SHELL).then(function (cache) { return cache.put(request, copy); }));
        }
        return response;
      });
    if (kept) {
      event.waitUntil(fresh.catch(function () {}));
      return kept;
    }
    return fresh;
  });
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (url.pathname.indexOf("/logout/") === 0) {
    event.waitUntil(forgetPages());
    return;
  }
  if (request.method !== "GET") return;
  if (request.mode === "navigate") {
    if (NOT_KEPT.test(url.pathname)) return;
    event.respondWith(page(event));
    return;
  }
  if (url.pathname.indexOf("/static/") === 0) event.respondWith(staticFile(event));
});

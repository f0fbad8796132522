/* 随手拍's service worker, served from /reports/sw.js so that its scope is /reports/.
 *
 * - `sync` (Background Sync, where the browser has it): sends the reports waiting in the
 *   IndexedDB outbox, with the same code the pages use (report-form.js, loaded below).
 * - The report form is kept for when the phone has no network: network first, the last copy
 *   otherwise, so a worker can still fill it in and queue the report.
 */
/* global importScripts, LittleBeeOutbox */
"use strict";

// Replaced by the server with the address of the current report-form.js.
importScripts("__REPORT_FORM_JS__");

var CACHE = "littlebee-reports-v1";

self.addEventListener("install", function () {
  self.skipWaiting();
});

self.addEventListener("activate", function (event) {
  event.waitUntil(
    caches
      .keys()
      .then(function (names) {
        return Promise.all(
          names
            .filter(function (name) { return name.indexOf("littlebee-reports-") === 0 && name !== CACHE; })
            .map(function (name) { return caches.delete(name); })
        );
      })
      .then(function () { return self.clients.claim(); })
  );
});

function tellPages() {
  return self.clients.matchAll({ type: "window" }).then(function (pages) {
    pages.forEach(function (page) { page.postMessage({ type: "outbox-changed" }); });
  });
}

function flushOutbox() {
  return LittleBeeOutbox.flush().then(function (results) {
    return tellPages().then(function () {
      return LittleBeeOutbox.count().then(function (left) {
        // Still waiting: fail the sync so the browser tries again later.
        if (left > 0) throw new Error(left + " reports still waiting");
        return results;
      });
    });
  });
}

self.addEventListener("sync", function (event) {
  if (event.tag === LittleBeeOutbox.SYNC_TAG) event.waitUntil(flushOutbox());
});

self.addEventListener("message", function (event) {
  if (event.data && event.data.type === "flush-outbox") event.waitUntil(flushOutbox().catch(function () {}));
});

// The form page and the files it needs: network first, the last good copy when offline.
function keepable(request) {
  if (request.method !== "GET") return false;
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) return false;
  if (request.mode === "navigate") return /\/reports\/new\/$/.test(url.pathname);
  return request.destination === "script" || request.destination === "style";
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (!keepable(request)) return;
  event.respondWith(
    fetch(request)
      .then(function (response) {
        if (response.ok && response.type === "basic") {
          var copy = response.clone();
          caches.open(CACHE).then(function (cache) { cache.put(request, copy); });
        }
        return response;
      })
      .catch(function () {
        return caches.match(request).then(function (cached) {
          return cached || Response.error();
        });
      })
  );
});

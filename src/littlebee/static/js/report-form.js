/* 随手拍: the report form and its offline queue.
 *
 * The form works without this file (a normal multipart POST). With it:
 *   - photos picked in several goes add up (0–9), with previews and remove buttons;
 *   - the phone's position fills lat/lng, a small map lets the worker move the point or pick one;
 *     a photo's EXIF GPS (read here with exifr) shows where the server will place the report;
 *     without any point the worker chooses the street and community (the report is then placed at
 *     the community's centre, approximate, and routed to that community); the status line names
 *     the community and street of the point, never raw coordinates;
 *   - open reports of the same kind nearby are offered for "me too" (GET /api/v1/reports/nearby;
 *     if that endpoint is missing or fails, nothing is shown);
 *   - the form is sent with fetch; with no network the whole submission (photos as Blobs) is kept
 *     in IndexedDB and sent when the network returns: on `online`, on the next page load, and
 *     from the service worker's `sync` event. A Web Lock keeps page and worker from sending the
 *     same report twice, and a client key per report makes a resend after a lost answer harmless.
 *
 * The same file is loaded by the service worker (importScripts): there only the queue is set up.
 */
(function (root) {
  "use strict";

  var DB_NAME = "littlebee-reports";
  var STORE = "outbox";
  var SYNC_TAG = "report-outbox";
  var LOCK = "littlebee-report-outbox";

  // --- The queue (IndexedDB) --------------------------------------------------------------------
  function openDb() {
    return new Promise(function (resolve, reject) {
      var request = indexedDB.open(DB_NAME, 1);
      request.onupgradeneeded = function () {
        request.result.createObjectStore(STORE, { keyPath: "id", autoIncrement: true });
      };
      request.onsuccess = function () { resolve(request.result); };
      request.onerror = function () { reject(request.error); };
    });
  }

  function withStore(mode, work) {
    return openDb().then(function (db) {
      return new Promise(function (resolve, reject) {
        var tx = db.transaction(STORE, mode);
        var result;
        Promise.resolve(work(tx.objectStore(STORE))).then(function (value) { result = value; });
        tx.oncomplete = function () { db.close(); resolve(result); };
        tx.onerror = function () { db.close(); reject(tx.error); };
        tx.onabort = function () { db.close(); reject(tx.error); };
      });
    });
  }

  function requestValue(request) {
    return new Promise(function (resolve, reject) {
      request.onsuccess = function () { resolve(request.result); };
      request.onerror = function () { reject(request.error); };
    });
  }

  function outboxAdd(record) {
    return withStore("readwrite", function (store) { return requestValue(store.add(record)); });
  }

  function outboxAll() {
    return withStore("readonly", function (store) { return requestValue(store.getAll()); });
  }

  function outboxDelete(id) {
    return withStore("readwrite", function (store) { return requestValue(store.delete(id)); });
  }

  function outboxPut(record) {
    return withStore("readwrite", function (store) { return requestValue(store.put(record)); });
  }

  // Waiting reports; those the server refused for good stay (marked `refused`) until the worker
  // has read why, so that nothing they sent vanishes without a word.
  function outboxCount() {
    if (!root.indexedDB) return Promise.resolve(0);
    return outboxAll()
      .then(function (records) { return records.filter(function (r) { return !r.refused; }).length; })
      .catch(function () { return 0; });
  }

  function outboxRefused() {
    if (!root.indexedDB) return Promise.resolve([]);
    return outboxAll()
      .then(function (records) { return records.filter(function (r) { return r.refused; }); })
      .catch(function () { return []; });
  }

  function outboxDismissRefused() {
    return outboxRefused().then(function (records) {
      return Promise.all(records.map(function (r) { return outboxDelete(r.id); }));
    });
  }

  function refusalOf(result) {
    var data = result.data || {};
    var first = data.errors && data.errors.length ? data.errors[0].detail : "";
    return { status: result.response.status, detail: first || data.detail || "" };
  }

  // FormData → a plain record IndexedDB can hold (Files are kept as they are: structured clone).
  function recordOf(formData, url) {
    var entries = [];
    formData.forEach(function (value, name) { entries.push([name, value]); });
    return { url: url, entries: entries, created: Date.now() };
  }

  function cookie(name) {
    if (typeof document === "undefined") return "";
    var match = document.cookie.match(new RegExp("(?:^|; )" + name + "=([^;]*)"));
    return match ? decodeURIComponent(match[1]) : "";
  }

  function currentCsrf() {
    if (typeof document === "undefined") return "";
    var input = document.querySelector("input[name=csrfmiddlewaretoken]");
    return (input && input.value) || cookie("csrftoken");
  }

  function formDataOf(record) {
    var data = new FormData();
    var fresh = currentCsrf();
    record.entries.forEach(function (entry) {
      var name = entry[0];
      var value = entry[1];
      if (name === "csrfmiddlewaretoken" && fresh) value = fresh;
      if (value instanceof Blob) data.append(name, value, value.name || "photo.jpg");
      else data.append(name, value);
    });
    return data;
  }

  // Sends one submission. Resolves {done, data}: done means it may leave the queue (stored, or
  // refused for good); rejects when the network failed, so it stays for the next try.
  function send(url, formData) {
    var token = formData.get("csrfmiddlewaretoken") || "";
    return fetch(url, {
      method: "POST",
      body: formData,
      credentials: "same-origin",
      headers: { Accept: "application/json", "X-CSRFToken": token },
    }).then(function (response) {
      var type = response.headers.get("Content-Type") || "";
      if (type.indexOf("application/json") === -1) {
        // Signed out (the login page) or a server error page: keep it and try later.
        return { done: false, response: response, data: null };
      }
      return response.json().then(function (data) {
        var refused = response.status === 400 || response.status === 413;
        return { done: response.ok || refused, response: response, data: data };
      });
    });
  }

  function exclusive(work) {
    if (root.navigator && navigator.locks && navigator.locks.request) {
      return navigator.locks.request(LOCK, work);
    }
    return work();
  }

  var flushing = null;

  // Sends every waiting report, oldest first. Resolves with the answers of those that left.
  function flush() {
    if (flushing) return flushing;
    flushing = exclusive(function () {
      return outboxAll().then(function (records) {
        var results = [];
        var chain = Promise.resolve();
        records.forEach(function (record) {
          if (record.refused) return;
          chain = chain.then(function () {
            return send(record.url, formDataOf(record)).then(function (result) {
              if (!result.done) return;
              results.push(result);
              if (!result.response.ok) {
                record.refused = refusalOf(result);
                return outboxPut(record);
              }
              return outboxDelete(record.id);
            });
          });
        });
        return chain
          .catch(function () { /* offline again: the rest waits */ })
          .then(function () { return results; });
      });
    }).finally(function () {
      flushing = null;
    });
    return flushing;
  }

  root.LittleBeeOutbox = {
    add: outboxAdd,
    count: outboxCount,
    flush: flush,
    recordOf: recordOf,
    send: send,
    SYNC_TAG: SYNC_TAG,
  };

  if (typeof document === "undefined") return; // the service worker needs only the queue

  // --- Pages ------------------------------------------------------------------------------------
  function $(selector, scope) { return (scope || document).querySelector(selector); }
  function $all(selector, scope) { return Array.prototype.slice.call((scope || document).querySelectorAll(selector)); }

  var registration = null;

  function registerWorker(element) {
    if (!element || !("serviceWorker" in navigator)) return Promise.resolve(null);
    return navigator.serviceWorker
      .register(element.getAttribute("data-sw-url"), { scope: element.getAttribute("data-sw-scope") })
      .then(function (reg) { registration = reg; return reg; })
      .catch(function () { return null; });
  }

  function askForSync() {
    var ready = registration ? Promise.resolve(registration) : ("serviceWorker" in navigator ? navigator.serviceWorker.ready : Promise.resolve(null));
    return ready
      .then(function (reg) {
        if (reg && reg.sync) return reg.sync.register(SYNC_TAG);
      })
      .catch(function () { /* no Background Sync: `online` and the next page load send them */ });
  }

  function showRefused() {
    var box = $("[data-outbox-refused]");
    if (!box) return Promise.resolve();
    return outboxRefused().then(function (records) {
      box.hidden = records.length === 0;
      box.setAttribute("data-refused-count", String(records.length));
      if (!records.length) return;
      var queued = $("[data-queued]");
      if (queued) queued.hidden = true;
      $("[data-refused-text]", box).textContent = box
        .getAttribute("data-template")
        .replace("__N__", String(records.length))
        .replace("__M__", records[0].refused.detail || "");
    });
  }

  function showOutbox() {
    var box = $("[data-outbox]");
    if (!box) return Promise.resolve(0);
    showRefused();
    return outboxCount().then(function (n) {
      box.hidden = n === 0;
      $("[data-outbox-text]", box).textContent = box.getAttribute("data-template").replace("__N__", String(n));
      box.setAttribute("data-outbox-count", String(n));
      return n;
    });
  }

  function flushAndShow() {
    if (!navigator.onLine || !root.indexedDB) return showOutbox();
    return outboxCount().then(function (n) {
      if (!n) return showOutbox();
      return flush().then(function (results) {
        // A report sent from here lands in "my reports": show it.
        if (results.some(function (r) { return r.response.status === 201; }) && $("[data-report-outbox-page]")) {
          window.location.reload();
          return 0;
        }
        return showOutbox();
      });
    });
  }

  function initOutboxPage(element) {
    registerWorker(element);
    var dismiss = $("[data-refused-dismiss]");
    if (dismiss) {
      dismiss.addEventListener("click", function () {
        outboxDismissRefused().then(showRefused);
      });
    }
    showOutbox().then(flushAndShow);
    window.addEventListener("online", flushAndShow);
    if ("serviceWorker" in navigator) {
      navigator.serviceWorker.addEventListener("message", function (event) {
        if (event.data && event.data.type === "outbox-changed") showOutbox();
      });
    }
  }

  // --- The form ---------------------------------------------------------------------------------
  function initForm(form) {
    var msg = function (name) { return form.getAttribute("data-msg-" + name) || ""; };
    var input = $("[data-photo-input]", form);
    var previews = $("[data-previews]", form);
    var maxPhotos = parseInt(form.getAttribute("data-max-photos"), 10) || 9;
    var lat = form.elements.lat;
    var lng = form.elements.lng;
    var keyInput = form.elements.client_key;
    var statusText = $("[data-locate-text]", form);
    var statusBox = $("[data-locate-status]", form);
    var locateButton = $("[data-locate]", form);
    var manual = $("[data-manual-position]", form);
    var area = $("[data-area]", form);
    var areaToggle = $("[data-area-toggle]", form);
    var communitySelect = form.elements.community;
    // The first photo's EXIF point, when the phone gave none: the server reads the same point.
    var photoPoint = null;
    var alertBox = $("[data-form-alert]");
    var alertList = $("[data-form-alert-list]");
    var submitButton = $("[data-submit]", form);
    var files = [];
    var picker = null;

    function newKey() {
      if (root.crypto && crypto.randomUUID) return crypto.randomUUID();
      return String(Date.now()) + Math.random().toString(16).slice(2);
    }
    if (keyInput && !keyInput.value) keyInput.value = newKey();

    // Photos: each pick adds to the list; the input always holds the whole list, so a plain
    // submit (the fallback) sends the same photos.
    function syncInput() {
      if (!input) return;
      try {
        var transfer = new DataTransfer();
        files.forEach(function (file) { transfer.items.add(file); });
        input.files = transfer.files;
      } catch (error) { /* old browsers: the input keeps its last pick */ }
    }

    function drawPreviews() {
      previews.textContent = "";
      files.forEach(function (file, index) {
        var item = document.createElement("li");
        var img = document.createElement("img");
        img.alt = "";
        img.src = URL.createObjectURL(file);
        img.onload = function () { URL.revokeObjectURL(img.src); };
        var remove = document.createElement("button");
        remove.type = "button";
        remove.setAttribute("aria-label", msg("remove"));
        remove.innerHTML = '<svg class="icon" aria-hidden="true"><use href="#i-x"></use></svg>';
        remove.addEventListener("click", function () {
          files.splice(index, 1);
          syncInput();
          drawPreviews();
          readPhotoPoint();
        });
        item.append(img, remove);
        previews.appendChild(item);
      });
      previews.hidden = files.length === 0;
    }

    if (input) {
      input.addEventListener("change", function () {
        var picked = Array.prototype.slice.call(input.files || []);
        var room = maxPhotos - files.length;
        if (picked.length > room) showErrors([{ field: "photos", detail: msg("too-many") }], false);
        files = files.concat(picked.slice(0, Math.max(room, 0)));
        syncInput();
        drawPreviews();
        readPhotoPoint();
      });
    }

    // Errors, inline under each field and summed up above the form.
    function clearErrors() {
      $all("[data-errors-for]", form).forEach(function (list) { list.hidden = true; list.textContent = ""; });
      $all(".field--error", form).forEach(function (el) { el.classList.remove("field--error"); });
      if (alertBox) alertBox.hidden = true;
    }

    function showErrors(errors, summary) {
      var first = null;
      errors.forEach(function (error) {
        var name = error.field === "lng" ? "lat" : error.field;
        var list = $('[data-errors-for="' + name + '"]', form);
        if (!list) {
          list = null;
        } else {
          var item = document.createElement("li");
          item.className = "field__error";
          item.innerHTML = '<svg class="icon" aria-hidden="true"><use href="#i-alert"></use></svg>';
          var span = document.createElement("span");
          span.textContent = error.detail;
          item.appendChild(span);
          list.appendChild(item);
          list.hidden = false;
          var field = list.closest(".field, .fieldset");
          if (field) field.classList.add("field--error");
          first = first || field;
        }
        if (!list && alertList) {
          var li = document.createElement("li");
          li.textContent = error.detail;
          alertList.appendChild(li);
        }
      });
      if (summary !== false && alertBox) {
        if (!alertList.children.length) {
          var li = document.createElement("li");
          li.textContent = msg("failed");
          alertList.appendChild(li);
        }
        alertBox.hidden = false;
      }
      if (first && first.scrollIntoView) first.scrollIntoView({ behavior: "smooth", block: "center" });
    }

    function sayQueued(shown) {
      var note = $("[data-queued]");
      if (note) note.hidden = !shown;
    }

    // Position --------------------------------------------------------------------------------
    var statusBase = "";
    var placeAsked = "";

    function setStatus(text, tone) {
      statusBase = text;
      statusText.textContent = text;
      statusBox.classList.toggle("report-location__status--ok", tone === "ok");
      statusBox.classList.toggle("report-location__status--error", tone === "error");
    }

    function hasPosition() {
      return lat.value.trim() !== "" && lng.value.trim() !== "";
    }

    function communityChosen() {
      return !!(communitySelect && communitySelect.value);
    }

    // The point the report will have: the one in the form, else the photo's.
    function currentPoint() {
      if (hasPosition()) return [parseFloat(lat.value), parseFloat(lng.value)];
      return photoPoint;
    }

    function selectedText(select) {
      if (!select || !select.value || select.selectedIndex < 0) return "";
      return select.options[select.selectedIndex].textContent;
    }

    // "西厂口社区（黄鹤楼街道）" after the status, for the point shown (GET /regions/locate).
    function namePlace(point) {
      var url = form.getAttribute("data-locate-url");
      if (!url || !point) return;
      var query = "lat=" + point[0].toFixed(6) + "&lng=" + point[1].toFixed(6);
      placeAsked = query;
      var base = statusBase;
      fetch(url + "?" + query, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (response) { return response.ok ? response.json() : null; })
        .then(function (body) {
          if (!body || query !== placeAsked || statusBase !== base || !body.community) return;
          var place = body.community.name + (body.street ? "（" + body.street.name + "）" : "");
          statusText.textContent = base + " · " + place;
          statusBox.setAttribute("data-place", place);
        })
        .catch(function () { /* the status keeps saying where the point came from */ });
    }

    function openArea(open) {
      if (!area) return;
      area.hidden = !open;
      if (areaToggle) {
        areaToggle.hidden = open;
        areaToggle.setAttribute("aria-expanded", open ? "true" : "false");
      }
    }

    // A point given (phone, map): the chosen community gives way to it.
    function forgetCommunity() {
      if (!communitySelect || !communitySelect.value) return;
      communitySelect.value = "";
    }

    function setPosition(latitude, longitude, source) {
      if (form.elements.location_source) form.elements.location_source.value = source;
      lat.value = latitude.toFixed(6);
      lng.value = longitude.toFixed(6);
      forgetCommunity();
      if (picker) picker.place(latitude, longitude);
      checkNearby();
    }

    function sayPhotoPoint() {
      setStatus(msg("photo-located"), "ok");
      namePlace(photoPoint);
    }

    // The first photo carrying GPS, read in the browser. Only shown: lat/lng stay empty so that
    // the server reads the same point from the photo itself (location_source "photo").
    function readPhotoPoint() {
      var reader = root.exifr;
      var had = photoPoint;
      if (!reader || !reader.gps || hasPosition()) return Promise.resolve();
      var chain = Promise.resolve(null);
      files.forEach(function (file) {
        chain = chain.then(function (found) {
          if (found) return found;
          return reader.gps(file).then(
            function (gps) {
              var ok = gps && isFinite(gps.latitude) && isFinite(gps.longitude);
              return ok ? [gps.latitude, gps.longitude] : null;
            },
            function () { return null; }
          );
        });
      });
      return chain.then(function (found) {
        if (hasPosition()) return;
        photoPoint = found;
        if (found) {
          forgetCommunity();
          if (picker) picker.show(found[0], found[1]);
          sayPhotoPoint();
          checkNearby();
        } else if (had) {
          if (picker) picker.clear();
          setStatus(msg("locate-failed"), "error");
        }
      });
    }

    function locateFailed() {
      var mapShown = picker && !$("[data-report-map]", form).hidden;
      if (photoPoint) {
        sayPhotoPoint();
      } else if (communityChosen()) {
        sayCommunity();
      } else {
        setStatus(msg(mapShown ? "locate-failed" : "locate-failed-no-map"), "error");
      }
      if (locateButton) locateButton.hidden = false;
      if (!photoPoint) openArea(true);
    }

    function locate() {
      if (!("geolocation" in navigator)) {
        locateFailed();
        return;
      }
      setStatus(msg("locating"));
      navigator.geolocation.getCurrentPosition(
        function (position) {
          setPosition(position.coords.latitude, position.coords.longitude, "device");
          setStatus(msg("located").replace("__M__", String(Math.round(position.coords.accuracy || 0))), "ok");
          namePlace(currentPoint());
          if (locateButton) locateButton.hidden = false;
        },
        locateFailed,
        { enableHighAccuracy: true, timeout: 15000, maximumAge: 30000 }
      );
    }

    // The chosen community stands for the place: any point given before is dropped.
    function sayCommunity() {
      var street = selectedText(form.elements.street);
      var place = selectedText(communitySelect) + (street ? "（" + street + "）" : "");
      setStatus(msg("approximate").replace("__P__", place), "ok");
      statusBox.setAttribute("data-place", place);
    }

    if (communitySelect) {
      communitySelect.addEventListener("change", function () {
        if (!communitySelect.value) return;
        lat.value = "";
        lng.value = "";
        photoPoint = null;
        if (form.elements.location_source) form.elements.location_source.value = "";
        if (picker) picker.clear();
        if (nearby) nearby.hidden = true;
        sayCommunity();
      });
    }
    if (areaToggle) {
      areaToggle.addEventListener("click", function () {
        openArea(true);
        if (form.elements.district) form.elements.district.focus();
      });
    }

    function initMap() {
      var element = $("[data-report-map]", form);
      var configNode = document.getElementById("report-map-config");
      if (!element || !root.L || !configNode) return null;
      var config = JSON.parse(configNode.textContent);
      var geo = root.LittleBeeGeo;
      if (!geo) return null;
      var toMap = geo.projection(config).toMap;
      var fromMap = geo.projection(config).fromMap;
      element.hidden = false;
      var hint = $("[data-map-hint]", form);
      if (hint) hint.hidden = false;
      var start = hasPosition() ? [parseFloat(lat.value), parseFloat(lng.value)] : config.center;
      var map = geo.createMap(element, config, start, hasPosition() ? 17 : 13, { zoomControl: false, attributionControl: true });
      geo.addTiles(map, config, element, giveUp);
      var marker = null;
      function giveUp() {
        element.hidden = true;
        if (hint) hint.hidden = true;
        // No map to pick on: the street and community are the way left (or the photo's point).
        if (!hasPosition() && !photoPoint) {
          openArea(true);
          if (!communityChosen()) setStatus(msg("locate-failed-no-map"), "error");
        }
      }
      function show(a, b) {
        var point = toMap(a, b);
        if (!marker) {
          marker = L.marker(point, { draggable: true, autoPan: true }).addTo(map);
          marker.on("dragend", function () {
            var p = marker.getLatLng();
            var w = fromMap(p.lat, p.lng);
            setPosition(w[0], w[1], "map");
            setStatus(msg("picked"), "ok");
            namePlace(currentPoint());
          });
        } else {
          marker.setLatLng(point);
        }
        map.setView(point, Math.max(map.getZoom(), 17));
      }
      function clear() {
        if (marker) {
          map.removeLayer(marker);
          marker = null;
        }
      }
      map.on("click", function (event) {
        var w = fromMap(event.latlng.lat, event.latlng.lng);
        setPosition(w[0], w[1], "map");
        setStatus(msg("picked"), "ok");
        namePlace(currentPoint());
      });
      if (hasPosition()) show(parseFloat(lat.value), parseFloat(lng.value));
      return { place: show, show: show, clear: clear };
    }

    // "Me too": open reports like this one nearby --------------------------------------------
    var nearby = $("[data-nearby]", form);
    var nearbyTimer = null;
    var nearbyAsked = "";

    function selectedCategory() {
      var checked = $("input[name=category]:checked", form);
      return checked ? checked.value : "";
    }

    function drawNearby(data) {
      var list = $("[data-nearby-list]", nearby);
      list.textContent = "";
      var items = (data && data.items) || [];
      if (!items.length) {
        nearby.hidden = true;
        return;
      }
      $("[data-nearby-title] span", nearby).textContent = nearby
        .getAttribute("data-title-template")
        .replace("__N__", String(data.count || items.length));
      var followUrl = form.getAttribute("data-follow-url");
      items.forEach(function (item) {
        var li = document.createElement("li");
        li.className = "report-nearby__item";
        var body = document.createElement("div");
        body.className = "row__body";
        var title = document.createElement("p");
        title.className = "row__title";
        title.textContent = ((item.category && item.category.name) || "") + " · " + (item.status_label || item.status || "");
        var meta = document.createElement("p");
        meta.className = "row__meta";
        var distance = item.distance_m != null ? nearby.getAttribute("data-label-away").replace("__M__", String(Math.round(item.distance_m))) : "";
        meta.textContent = [distance, item.address || ""].filter(Boolean).join(" · ");
        body.append(title, meta);
        var button = document.createElement("button");
        button.type = "submit";
        button.className = "btn btn--sm";
        button.setAttribute("formaction", followUrl.replace("/0/", "/" + item.id + "/"));
        button.setAttribute("formnovalidate", "");
        button.setAttribute("data-follow", "");
        button.textContent = nearby.getAttribute("data-label-follow");
        if (item.following) {
          button.disabled = true;
          button.textContent = nearby.getAttribute("data-label-following");
        }
        li.append(body, button);
        list.appendChild(li);
      });
      nearby.hidden = false;
    }

    function checkNearby() {
      if (!nearby) return;
      window.clearTimeout(nearbyTimer);
      nearbyTimer = window.setTimeout(function () {
        var category = selectedCategory();
        var point = currentPoint();
        if (!category || !point) return;
        var query = "category=" + encodeURIComponent(category) + "&lat=" + point[0].toFixed(6) + "&lng=" + point[1].toFixed(6);
        if (query === nearbyAsked) return;
        nearbyAsked = query;
        fetch(form.getAttribute("data-nearby-url") + "?" + query, { credentials: "same-origin", headers: { Accept: "application/json" } })
          .then(function (response) {
            if (!response.ok) throw new Error("no nearby answer");
            return response.json();
          })
          .then(function (data) {
            if (query === nearbyAsked) drawNearby(data);
          })
          .catch(function () {
            // Missing endpoint, offline, anything: say nothing rather than something wrong.
            nearby.hidden = true;
          });
      }, 300);
    }

    $all("input[name=category]", form).forEach(function (radio) {
      radio.addEventListener("change", checkNearby);
    });

    // "我也遇到" posts only the token to the report's follow address, not the photos.
    form.addEventListener("click", function (event) {
      var button = event.target.closest("[data-follow]");
      if (!button) return;
      event.preventDefault();
      var follow = document.createElement("form");
      follow.method = "post";
      follow.action = button.getAttribute("formaction");
      follow.hidden = true;
      var token = document.createElement("input");
      token.type = "hidden";
      token.name = "csrfmiddlewaretoken";
      token.value = currentCsrf();
      follow.appendChild(token);
      document.body.appendChild(follow);
      follow.submit();
    });

    // Sending ---------------------------------------------------------------------------------
    function resetAfterQueue() {
      files = [];
      syncInput();
      drawPreviews();
      $all("input[name=category]", form).forEach(function (radio) { radio.checked = false; });
      form.elements.description.value = "";
      form.elements.address.value = "";
      form.elements.urgent.checked = false;
      photoPoint = null;
      keyInput.value = newKey();
      if (nearby) nearby.hidden = true;
      nearbyAsked = "";
    }

    function queue(formData) {
      var record = recordOf(formData, form.action);
      return outboxAdd(record).then(function () {
        resetAfterQueue();
        sayQueued(true);
        showOutbox();
        askForSync();
        window.scrollTo({ top: 0, behavior: "smooth" });
      });
    }

    form.addEventListener("submit", function (event) {
      var submitter = event.submitter;
      if (submitter && submitter.hasAttribute("data-follow")) return;
      event.preventDefault();
      clearErrors();
      sayQueued(false);
      var errors = [];
      if (!selectedCategory()) errors.push({ field: "category", detail: msg("category") });
      if (!hasPosition() && files.length === 0 && !communityChosen()) errors.push({ field: "lat", detail: msg("no-position") });
      if (errors.length) {
        showErrors(errors);
        return;
      }
      var formData = new FormData(form);
      submitButton.disabled = true;
      var canQueue = !!root.indexedDB;
      var attempt = navigator.onLine === false && canQueue
        ? queue(formData)
        : send(form.action, formData).then(
            function (result) {
              if (result.response.status === 201 && result.data && result.data.url) {
                window.location.href = result.data.url;
                return;
              }
              if (result.data && result.data.errors) {
                showErrors(result.data.errors);
                return;
              }
              // Anything else (signed out, CSRF, a server error): let the browser post it plainly.
              HTMLFormElement.prototype.submit.call(form);
            },
            function () {
              return canQueue ? queue(formData) : HTMLFormElement.prototype.submit.call(form);
            }
          );
      Promise.resolve(attempt).finally(function () { submitButton.disabled = false; });
    });

    // Start -----------------------------------------------------------------------------------
    // With the script, the typed latitude and longitude give way to the map and the community
    // picker (they stay for a page without JavaScript).
    if (manual) manual.hidden = true;
    if (root.L) {
      try { picker = initMap(); } catch (error) { picker = null; }
    }
    // The community picker opens by itself when it is needed (no point) or already used.
    openArea(communityChosen() || !!$('[data-errors-for="community"]:not([hidden])', form));
    if (hasPosition()) {
      setStatus(msg("picked"), "ok");
      namePlace(currentPoint());
      if (locateButton) locateButton.hidden = false;
      checkNearby();
    } else if (communityChosen()) {
      sayCommunity();
      if (locateButton) locateButton.hidden = false;
    } else {
      locate();
    }
    if (locateButton) locateButton.addEventListener("click", locate);
  }

  document.addEventListener("DOMContentLoaded", function () {
    var form = $("[data-report-form]");
    var page = form || $("[data-report-outbox-page]");
    if (page) initOutboxPage(page);
    if (form) initForm(form);
  });
})(typeof self !== "undefined" ? self : this);

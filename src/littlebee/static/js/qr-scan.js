/* Scanning a QR code with the phone's camera, on a keeper's counter: the pickup page (a voucher's
 * QR) and the visit page (a worker's member code). Markup: templates/includes/qr_scan.html.
 *
 * "扫码" opens the back camera in the page; every animation frame is read with the browser's
 * BarcodeDetector where it has one, else with jsQR (node_modules/jsqr, loaded only then). The
 * first code read fills the form's input and submits the form, as if typed. Without a camera, or
 * when the keeper refuses it, the page says why and typing stays as it always was; without
 * JavaScript, or without camera access in this browser, the button does not appear at all.
 *
 * data-qr-input  the id of the input to fill
 * data-qr-param  when set, a scanned address's fragment parameter of that name is taken
 *                (a voucher's QR is /rewards/pickup/#code=…: the code alone goes in the input)
 */
(function () {
  "use strict";

  var decoderScript = null; // one load of jsQR for the page

  function loadJsQR(src) {
    if (window.jsQR) return Promise.resolve(window.jsQR);
    if (!decoderScript) {
      decoderScript = new Promise(function (resolve, reject) {
        var script = document.createElement("script");
        script.src = src;
        script.onload = function () { return window.jsQR ? resolve(window.jsQR) : reject(new Error("jsQR")); };
        script.onerror = function () { reject(new Error("jsQR")); };
        document.head.appendChild(script);
      });
    }
    return decoderScript;
  }

  /* A reader: a function from the video to a promise of the text of a QR code in view, or "". */
  function makeReader(src) {
    if ("BarcodeDetector" in window) {
      var formats = window.BarcodeDetector.getSupportedFormats
        ? window.BarcodeDetector.getSupportedFormats()
        : Promise.resolve(["qr_code"]);
      var native = formats.then(function (list) {
        if (list.indexOf("qr_code") === -1) return null;
        var detector = new window.BarcodeDetector({ formats: ["qr_code"] });
        return function (video) {
          return detector.detect(video).then(function (found) { return found.length ? found[0].rawValue : ""; });
        };
      }).catch(function () { return null; });
      return native.then(function (reader) { return reader || jsQRReader(src); });
    }
    return jsQRReader(src);
  }

  function jsQRReader(src) {
    return loadJsQR(src).then(function (jsQR) {
      var canvas = document.createElement("canvas");
      var context = canvas.getContext("2d", { willReadFrequently: true });
      return function (video) {
        // A phone's frame downscaled to 640 px across is plenty for a code filling the frame.
        var scale = Math.min(1, 640 / (video.videoWidth || 640));
        var width = Math.max(1, Math.round(video.videoWidth * scale));
        var height = Math.max(1, Math.round(video.videoHeight * scale));
        if (canvas.width !== width) canvas.width = width;
        if (canvas.height !== height) canvas.height = height;
        context.drawImage(video, 0, 0, width, height);
        var found = jsQR(context.getImageData(0, 0, width, height).data, width, height, {
          inversionAttempts: "dontInvert"
        });
        return Promise.resolve(found ? found.data : "");
      };
    });
  }

  /* What to put in the input for a scanned text. */
  function valueOf(text, param) {
    if (!param || text.indexOf("#") === -1) return text.trim();
    try {
      var url = new URL(text, window.location.href);
      return new URLSearchParams(url.hash.replace(/^#/, "")).get(param) || text.trim();
    } catch (error) {
      return text.trim();
    }
  }

  function errorMessage(box, error) {
    var name = (error && error.name) || "";
    if (name === "NotAllowedError" || name === "SecurityError") return box.getAttribute("data-msg-denied");
    if (name === "NotFoundError" || name === "OverconstrainedError" || name === "DevicesNotFoundError") {
      return box.getAttribute("data-msg-no-camera");
    }
    return box.getAttribute("data-msg-failed");
  }

  function init(box) {
    var input = document.getElementById(box.getAttribute("data-qr-input"));
    var form = input && input.form;
    if (!form || !navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) return;
    var start = box.querySelector("[data-qr-start]");
    var stop = box.querySelector("[data-qr-stop]");
    var view = box.querySelector("[data-qr-view]");
    var video = box.querySelector("[data-qr-video]");
    var errorBox = box.querySelector("[data-qr-error]");
    var param = box.getAttribute("data-qr-param");
    var stream = null;
    var frame = 0;
    var running = false;

    function showError(text) {
      errorBox.textContent = text;
      errorBox.hidden = !text;
    }

    function close() {
      running = false;
      if (frame) window.cancelAnimationFrame(frame);
      frame = 0;
      if (stream) stream.getTracks().forEach(function (track) { track.stop(); });
      stream = null;
      video.srcObject = null;
      view.hidden = true;
      start.hidden = false;
      box.removeAttribute("data-qr-state");
    }

    function found(text) {
      var value = valueOf(text, param);
      close();
      input.value = value;
      input.dispatchEvent(new Event("input", { bubbles: true }));
      box.setAttribute("data-qr-state", "read");
      if (form.requestSubmit) form.requestSubmit();
      else form.submit();
    }

    function scan(read) {
      var busy = false;
      function tick() {
        if (!running) return;
        frame = window.requestAnimationFrame(tick);
        if (busy || video.readyState < video.HAVE_ENOUGH_DATA) return;
        busy = true;
        read(video)
          .then(function (text) {
            busy = false;
            if (text && running) found(text);
          })
          .catch(function () { busy = false; });
      }
      frame = window.requestAnimationFrame(tick);
    }

    start.addEventListener("click", function () {
      showError("");
      start.hidden = true;
      view.hidden = false;
      running = true;
      box.setAttribute("data-qr-state", "starting");
      navigator.mediaDevices
        .getUserMedia({ video: { facingMode: { ideal: "environment" } }, audio: false })
        .then(function (media) {
          if (!running) {
            media.getTracks().forEach(function (track) { track.stop(); });
            return null;
          }
          stream = media;
          video.srcObject = media;
          return video.play().then(function () { return makeReader(box.getAttribute("data-qr-decoder")); });
        })
        .then(function (read) {
          if (!read || !running) return;
          box.setAttribute("data-qr-state", "scanning");
          scan(read);
        })
        .catch(function (error) {
          close();
          showError(errorMessage(box, error));
          input.focus();
        });
    });
    stop.addEventListener("click", function () { close(); input.focus(); });
    // The camera goes off with the page (another tab, the screen locked, leaving).
    document.addEventListener("visibilitychange", function () { if (document.hidden && running) close(); });
    window.addEventListener("pagehide", close);
    box.hidden = false;
  }

  function startAll() {
    Array.prototype.forEach.call(document.querySelectorAll("[data-qr-scan]"), init);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", startAll);
  else startAll();
})();

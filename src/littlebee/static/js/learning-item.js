/* An item's page (认真学): opens a learning session through the API, sends a heartbeat every few
 * seconds while the page is visible (and, for audio and video, the player's position while it
 * plays), shows the progress towards the minimum time, and finishes the session. The server
 * measures the time itself; this only tells it the page is still there. Without a network the
 * text stays readable and the finish waits for the network to come back.
 *
 * Articles can be listened to: the phone's own speech synthesis (Web Speech API) reads the text
 * with a Chinese voice, where the browser has one; the button stays hidden otherwise.
 */
"use strict";

(function () {
  var root = document.querySelector("[data-learning-item]");
  if (!root) return;
  var itemId = root.getAttribute("data-learning-item");
  var minSeconds = parseInt(root.getAttribute("data-min-seconds"), 10) || 0;
  var HEARTBEAT_MS = 5000;
  var csrf = (root.querySelector("input[name=csrfmiddlewaretoken]") || {}).value || "";
  var bar = root.querySelector("[data-progress]");
  var status = root.querySelector("[data-status]");
  var finish = root.querySelector("[data-finish]");
  var player = root.querySelector("[data-player]");
  var sessionId = null;
  var seconds = 0; // visible (or playing) seconds, as this page counts them: for the bar only
  var finished = false;
  var pendingFinish = false;

  function call(path, body) {
    return fetch("/api/v1" + path, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf, Accept: "application/json" },
      body: JSON.stringify(body || {}),
    });
  }

  function fmt(template, value) {
    return template.replace("%s", value);
  }

  function active() {
    if (document.visibilityState !== "visible") return false;
    return !player || !player.paused;
  }

  function show() {
    var share = minSeconds ? Math.min(100, Math.round((seconds / minSeconds) * 100)) : 100;
    if (bar) {
      bar.style.width = share + "%";
      bar.parentNode.setAttribute("aria-valuenow", String(share));
    }
    if (finished || !status) return;
    var left = Math.max(0, minSeconds - seconds);
    status.textContent = left > 0 ? fmt(root.getAttribute("data-msg-left"), left) : root.getAttribute("data-msg-ready");
    if (finish) finish.disabled = !sessionId;
  }

  function start() {
    if (root.getAttribute("data-is-worker") !== "1") return;
    call("/learning/items/" + itemId + "/sessions")
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (body) {
        if (!body) return;
        sessionId = body.session;
        show();
      })
      .catch(function () {
        if (status) status.textContent = root.getAttribute("data-msg-offline");
      });
  }

  function beat() {
    if (!sessionId || finished || !active()) return;
    var body = {};
    if (player) body.position = player.currentTime || 0;
    call("/learning/sessions/" + sessionId + "/heartbeat", body).catch(function () {});
  }

  function doFinish() {
    if (!sessionId || finished) return;
    finish.disabled = true;
    call("/learning/sessions/" + sessionId + "/finish", {})
      .then(function (r) {
        return r.json().then(function (body) { return { ok: r.ok, body: body }; });
      })
      .then(function (answer) {
        var body = answer.body;
        if (answer.ok) {
          finished = true;
          status.textContent = body.credited ? fmt(root.getAttribute("data-msg-credited"), body.points) : body.detail;
          status.setAttribute("data-outcome", body.credited ? "credited" : body.reason);
          return;
        }
        status.textContent = body.detail || "";
        status.setAttribute("data-outcome", body.code || "error");
        finish.disabled = false;
      })
      .catch(function () {
        // No network: the finish is sent again when it comes back.
        pendingFinish = true;
        status.textContent = root.getAttribute("data-msg-offline");
        finish.disabled = false;
      });
  }

  setInterval(function () {
    if (active() && sessionId && !finished) {
      seconds += 1;
      if (seconds % (HEARTBEAT_MS / 1000) === 0) beat();
      show();
    }
  }, 1000);
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "visible") beat();
  });
  window.addEventListener("online", function () {
    if (!sessionId) start();
    else if (pendingFinish) {
      pendingFinish = false;
      doFinish();
    }
  });
  if (finish) finish.addEventListener("click", doFinish);
  if (player) player.addEventListener("pause", beat);
  start();

  // --- Listening: the phone reads the article aloud -----------------------------------------
  var listen = root.querySelector("[data-listen]");
  var synth = window.speechSynthesis;
  if (!listen || !synth || typeof window.SpeechSynthesisUtterance !== "function") return;
  var play = listen.querySelector("[data-listen-play]");
  var label = listen.querySelector("[data-listen-label]");
  var state = listen.querySelector("[data-listen-state]");
  function chineseVoice() {
    var voices = synth.getVoices() || [];
    for (var i = 0; i < voices.length; i++) {
      if (/^zh[-_]CN/i.test(voices[i].lang)) return voices[i];
    }
    for (var j = 0; j < voices.length; j++) {
      if (/^zh/i.test(voices[j].lang)) return voices[j];
    }
    return null;
  }
  function offer() {
    if (chineseVoice()) listen.hidden = false;
  }
  offer();
  if ("onvoiceschanged" in synth) synth.addEventListener("voiceschanged", offer);
  var speaking = false;
  play.addEventListener("click", function () {
    if (speaking && !synth.paused) {
      synth.pause();
      state.textContent = state.getAttribute("data-paused");
      label.textContent = state.getAttribute("data-label-play");
      return;
    }
    if (speaking && synth.paused) {
      synth.resume();
    } else {
      var text = root.querySelector("[data-text]").innerText;
      var utterance = new SpeechSynthesisUtterance(text);
      utterance.lang = "zh-CN";
      utterance.voice = chineseVoice();
      utterance.onend = function () {
        speaking = false;
        state.textContent = "";
        label.textContent = state.getAttribute("data-label-play");
      };
      synth.cancel();
      synth.speak(utterance);
      speaking = true;
    }
    state.textContent = state.getAttribute("data-playing");
    label.textContent = state.getAttribute("data-label-pause");
  });
  window.addEventListener("pagehide", function () { synth.cancel(); });
})();

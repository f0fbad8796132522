/* A challenge question's countdown (认真学). The server hands out one question at a time and
 * times it itself: an answer after the limit ends the round as a wrong one would. This only
 * shows the time left (from the server's count when the page was drawn, so a reload does not
 * restart it) and, when it runs out, hands in whatever is chosen so the round ends at once.
 */
"use strict";

(function () {
  var clock = document.querySelector("[data-countdown]");
  var form = document.querySelector("[data-quiz-form]");
  if (!clock || !form) return;
  var text = clock.querySelector("[data-countdown-text]");
  var bar = document.querySelector("[data-countdown-bar]");
  var unit = form.getAttribute("data-seconds-unit") || "%s";
  var total = parseInt(clock.getAttribute("data-total"), 10) || 1;
  var left = parseInt(clock.getAttribute("data-seconds"), 10) || 0;
  var deadline = Date.now() + left * 1000;
  var sent = false;

  function send() {
    if (sent) return;
    sent = true;
    var buttons = form.querySelectorAll("button");
    for (var i = 0; i < buttons.length; i++) buttons[i].disabled = true;
    form.submit();
  }

  function tick() {
    var seconds = Math.max(0, Math.ceil((deadline - Date.now()) / 1000));
    text.textContent = unit.replace("%s", seconds);
    clock.setAttribute("data-seconds", String(seconds));
    clock.classList.toggle("learning-countdown--low", seconds <= 5);
    if (bar) bar.style.width = Math.min(100, Math.round((seconds / total) * 100)) + "%";
    if (seconds <= 0) {
      send();
      return;
    }
    window.setTimeout(tick, 250);
  }

  form.addEventListener("submit", function (event) {
    if (sent) {
      event.preventDefault();
      return;
    }
    sent = true;
  });
  tick();
})();

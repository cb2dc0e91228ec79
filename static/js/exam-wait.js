/* The exam's page before the exam opens: counts down to the opening (the server's count of
   seconds, so a phone's wrong clock does not matter) and enables Start then, without loading the
   page again. Without this script the button is enabled all along and a press before the
   opening says when the exam opens. */
(function () {
  "use strict";
  var clock = document.getElementById("opens-in");
  var button = document.getElementById("exam-start");
  var note = document.getElementById("exam-opens");
  if (!clock || !button || !note) { return; }
  var seconds = parseInt(clock.getAttribute("data-opens-in"), 10);
  if (isNaN(seconds)) { return; }
  function monotonic() { return window.performance ? window.performance.now() : Date.now(); }
  function pad(number) { return number < 10 ? "0" + number : String(number); }
  function format(left) {
    var hours = Math.floor(left / 3600), minutes = Math.floor((left % 3600) / 60);
    return (hours ? hours + ":" + pad(minutes) : String(minutes)) + ":" + pad(left % 60);
  }
  var began = monotonic();
  function tick() {
    var elapsed = (monotonic() - began) / 1000;
    var left = Math.max(0, Math.ceil(seconds - elapsed));
    clock.textContent = format(left);
    if (left > 0) {
      button.disabled = true;
      window.setTimeout(tick, 1000 - ((elapsed * 1000) % 1000) + 20);
      return;
    }
    button.disabled = false;
    note.textContent = note.getAttribute("data-msg-open");
  }
  tick();
}());

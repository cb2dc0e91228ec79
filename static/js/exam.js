/* The exam paper, on top of a page that works without this script (its form saves the page's
   answers; the server keeps the time and closes the attempt):

   - a countdown from the server's seconds left, set again from every autosave answer, so a
     wrong phone clock does not matter; warnings at five minutes and one minute; at zero the
     page's form is sent, and the server submits the attempt;
   - every answer saved as it changes (text after a second without typing), with a status line;
     answers not saved yet are kept in this browser (localStorage, per attempt) and sent again
     with a growing delay, when the phone is back online, or when the page is opened again. */
(function () {
  "use strict";
  var form = document.getElementById("exam-paper");
  if (!form || !window.fetch) { return; }
  var clock = document.getElementById("time-left");
  var warning = document.getElementById("time-warning");
  var status = document.getElementById("save-status");
  var csrf = form.querySelector("input[name=csrfmiddlewaretoken]").value;
  var saveUrl = form.getAttribute("data-save-url");
  var storeKey = "exam-attempt-" + form.getAttribute("data-attempt");
  var paused = clock !== null && clock.getAttribute("data-paused") === "1";

  function message(name) { return form.getAttribute("data-msg-" + name) || ""; }
  function monotonic() { return window.performance ? window.performance.now() : Date.now(); }

  // --- the countdown --------------------------------------------------------------------
  var endsAt = null;
  var warned = { five: false, one: false };
  var sending = false;

  function setSecondsLeft(seconds) {
    if (seconds === null || seconds === undefined || seconds === "") { return; }
    endsAt = monotonic() + Number(seconds) * 1000;
  }

  function pad(number) { return number < 10 ? "0" + number : String(number); }

  function format(seconds) {
    var hours = Math.floor(seconds / 3600);
    var minutes = Math.floor((seconds % 3600) / 60);
    var rest = pad(seconds % 60);
    return hours ? hours + ":" + pad(minutes) + ":" + rest : minutes + ":" + rest;
  }

  function warn(text) {
    warning.textContent = text;
    warning.hidden = false;
  }

  function sendPage() {
    if (sending) { return; }
    sending = true;
    // The form carries this page's answers; after the deadline no other could be saved.
    pending = {};
    keep();
    var go = document.createElement("input");
    go.type = "hidden";
    go.name = "go";
    go.value = "timeup";
    form.appendChild(go);
    form.submit();
  }

  function timeUp() {
    warn(message("timeup"));
    sendPage();
  }

  function tick() {
    if (endsAt === null) { return; }
    var left = Math.max(0, Math.ceil((endsAt - monotonic()) / 1000));
    clock.textContent = format(left);
    if (left <= 60 && !warned.one) {
      warned.one = warned.five = true;
      clock.classList.add("low");
      warn(message("one"));
    } else if (left <= 300 && !warned.five) {
      warned.five = true;
      clock.classList.add("low");
      warn(message("five"));
    }
    if (left === 0) { timeUp(); }
  }

  // --- autosave -------------------------------------------------------------------------
  var pending = {};
  try { pending = JSON.parse(window.localStorage.getItem(storeKey)) || {}; } catch (error) { pending = {}; }
  var inFlight = false;
  var retryDelay = 0;
  var retryTimer = null;
  var typingTimer = null;

  function keep() {
    try {
      if (Object.keys(pending).length) {
        window.localStorage.setItem(storeKey, JSON.stringify(pending));
      } else {
        window.localStorage.removeItem(storeKey);
      }
    } catch (error) { /* private mode: the answers are still sent */ }
  }

  function show(text, failed) {
    status.textContent = text;
    status.classList.toggle("failed", Boolean(failed));
  }

  function question(position) { return form.querySelector("fieldset[data-position='" + position + "']"); }
  function isText(fieldset) { return fieldset.querySelector("input[type=text], textarea") !== null; }

  function answerOf(fieldset) {
    if (isText(fieldset)) {
      var text = fieldset.querySelector("input[type=text], textarea").value;
      return text.trim() ? [text] : [];
    }
    return Array.prototype.map.call(fieldset.querySelectorAll("input:checked"), function (input) {
      return input.value;
    });
  }

  function restore(fieldset, values) {
    if (isText(fieldset)) {
      fieldset.querySelector("input[type=text], textarea").value = values.length ? values[0] : "";
      return;
    }
    Array.prototype.forEach.call(fieldset.querySelectorAll("input"), function (input) {
      input.checked = values.indexOf(input.value) !== -1;
    });
  }

  function markAnswered(position, answered) {
    var button = form.querySelector(".exam-nav button[data-position='" + position + "']");
    if (button) { button.classList.toggle("answered", answered); }
    var count = document.getElementById("answered-now");
    if (count) { count.textContent = form.querySelectorAll(".exam-nav button.answered").length; }
  }

  function retry() {
    retryDelay = Math.min(retryDelay ? retryDelay * 2 : 2000, 60000);
    window.clearTimeout(retryTimer);
    retryTimer = window.setTimeout(flush, retryDelay);
  }

  function flush() {
    var positions = Object.keys(pending);
    if (inFlight || sending || !positions.length) { return; }
    var position = positions[0];
    var values = pending[position];
    var body = new URLSearchParams();
    body.append("position", position);
    values.forEach(function (value) { body.append("answer", value); });
    inFlight = true;
    show(message("saving"));
    window.fetch(saveUrl, {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: { "X-CSRFToken": csrf, "Accept": "application/json" }
    }).then(function (response) {
      return response.json().then(function (data) {
        return { status: response.status, data: data };
      }, function () {
        return { status: response.status, data: null };
      });
    }).then(function (result) {
      inFlight = false;
      var data = result.data;
      if (data && data.ok) {
        if (JSON.stringify(pending[position]) === JSON.stringify(values)) { delete pending[position]; }
        keep();
        retryDelay = 0;
        setSecondsLeft(data.seconds_left);
        show(message("saved"));
        flush();
      } else if (data && data.closed) {
        pending = {};
        keep();
        show(data.error, true);
        timeUp();
      } else if (data && result.status === 400) {
        delete pending[position];
        keep();
        show(data.error, true);
        flush();
      } else {
        show(data && data.error ? data.error + " " + message("unsaved") : message("unsaved"), true);
        retry();
      }
    }, function () {
      inFlight = false;
      show(message("unsaved"), true);
      retry();
    });
  }

  function changed(fieldset) {
    var position = fieldset.getAttribute("data-position");
    var values = answerOf(fieldset);
    pending[position] = values;
    keep();
    markAnswered(position, values.length > 0);
  }

  form.addEventListener("change", function (event) {
    var fieldset = event.target.closest("fieldset[data-position]");
    if (!fieldset) { return; }
    window.clearTimeout(typingTimer);
    changed(fieldset);
    flush();
  });

  form.addEventListener("input", function (event) {
    var fieldset = event.target.closest("fieldset[data-position]");
    if (!fieldset || !isText(fieldset)) { return; }
    changed(fieldset);
    window.clearTimeout(typingTimer);
    typingTimer = window.setTimeout(flush, 1000);
  });

  form.addEventListener("submit", function () {
    // The form carries this page's answers itself.
    sending = true;
    Array.prototype.forEach.call(form.querySelectorAll("fieldset[data-position]"), function (fieldset) {
      delete pending[fieldset.getAttribute("data-position")];
    });
    keep();
  });

  window.addEventListener("online", function () {
    retryDelay = 0;
    flush();
  });

  // Answers this browser could not send last time are newer than the ones the page shows.
  Object.keys(pending).forEach(function (position) {
    var fieldset = question(position);
    if (fieldset) {
      restore(fieldset, pending[position]);
      markAnswered(position, pending[position].length > 0);
    }
  });
  flush();

  if (clock !== null) {
    setSecondsLeft(clock.getAttribute("data-seconds-left"));
    if (paused) {
      // No time runs while the room is paused: look again in a while for the resume.
      window.setTimeout(function () { window.location.reload(); }, 30000);
    } else {
      tick();
      window.setInterval(tick, 1000);
    }
  }
}());

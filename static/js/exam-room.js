/* Exam rooms. The pages work without this script: the seat list has a "Refresh" link and the
   projector page reloads itself when the code changes (a meta refresh). With it:
   - the seat list (#seats[data-refresh]) is fetched again every few seconds and swapped in,
     without reloading the page (a half-typed pause reason stays);
   - the projector's seconds ([data-countdown]) count down every second. */
(function () {
  "use strict";
  var seats = document.getElementById("seats");
  var every = seats ? parseInt(seats.getAttribute("data-refresh"), 10) : 0;
  if (seats && every > 0 && window.fetch && window.DOMParser) {
    var refresh = function () {
      fetch(window.location.href, { credentials: "same-origin", headers: { "X-Requested-With": "fetch" } })
        .then(function (response) { return response.ok ? response.text() : null; })
        .then(function (html) {
          if (!html) { return; }
          var fresh = new DOMParser().parseFromString(html, "text/html").getElementById("seats");
          var current = document.getElementById("seats");
          if (fresh && current) { current.replaceWith(fresh); }
        })
        .catch(function () { /* offline for a moment: the next round tries again */ });
    };
    window.setInterval(refresh, every * 1000);
  }
  var countdown = document.querySelector("[data-countdown]");
  if (countdown) {
    var left = parseInt(countdown.textContent, 10);
    window.setInterval(function () {
      if (left > 1) {
        left -= 1;
        countdown.textContent = String(left);
      } else {
        window.location.reload();
      }
    }, 1000);
  }
}());

/* The roster's "all learners shown" box also ticks the rows of the page, and unticking a row
   unticks it (the server then acts on the ticked rows only). The form works without this
   script: "all learners shown" alone applies to every learner the filters show. */
(function () {
  "use strict";
  var form = document.getElementById("roster-bulk");
  if (!form) { return; }
  var everyone = form.querySelector("input[name=everyone]");
  var rows = Array.prototype.slice.call(form.querySelectorAll("input[name=enrollment]"));
  everyone.addEventListener("change", function () {
    rows.forEach(function (row) { row.checked = everyone.checked; });
  });
  rows.forEach(function (row) {
    row.addEventListener("change", function () {
      if (!row.checked) { everyone.checked = false; }
    });
  });
}());

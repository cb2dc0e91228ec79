// The scoreboard refreshes itself: every 20 seconds it asks the page's JSON for the ranking and,
// when the version of the board shown (live, or frozen during a freeze: each view has its own)
// moved on, redraws the rows. Without JavaScript the page is complete as served.
(function () {
  "use strict";
  var table = document.getElementById("board");
  if (!table || !window.fetch) return;
  var body = document.getElementById("board-rows");
  var labels = Array.prototype.map.call(table.querySelectorAll("thead th"), function (th) {
    return th.textContent;
  });
  var version = table.getAttribute("data-version");
  var frozen = (document.getElementById("board-state") || {}).getAttribute
    ? document.getElementById("board-state").getAttribute("data-frozen")
    : null;

  function cell(row, index, text) {
    var td = document.createElement("td");
    td.setAttribute("data-label", labels[index] || "");
    td.textContent = text === null || text === undefined ? "" : String(text);
    row.appendChild(td);
  }

  function draw(rows) {
    var fresh = document.createDocumentFragment();
    rows.forEach(function (data) {
      var tr = document.createElement("tr");
      tr.setAttribute("data-entry", data.entry_id);
      cell(tr, 0, data.rank === null ? "–" : data.rank);
      cell(tr, 1, data.display_name || "—");
      cell(tr, 2, data.county_name);
      cell(tr, 3, data.practical_percent);
      cell(tr, 4, data.time);
      cell(tr, 5, data.theory_percent);
      fresh.appendChild(tr);
    });
    while (body.firstChild) body.removeChild(body.firstChild);
    body.appendChild(fresh);
  }

  function refresh() {
    if (document.hidden) return;
    fetch(table.getAttribute("data-url"), { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        return response.ok ? response.json() : null;
      })
      .then(function (data) {
        if (!data) return;
        var state = data.frozen ? "1" : "0";
        if (frozen !== null && state !== frozen) {
          // Frozen or revealed: the page's texts change too, so reload it whole.
          window.location.reload();
          return;
        }
        if (String(data.version) !== version) {
          version = String(data.version);
          table.setAttribute("data-version", version);
          if (data.rows.length) draw(data.rows);
        }
      })
      .catch(function () {});
  }

  window.setInterval(refresh, 20000);
})();

/* Type-ahead for the county field: suggests counties as the learner types.
   The form works without this script (the server resolves names and codes). */
(function () {
  "use strict";
  var input = document.querySelector("input[data-county-search]");
  if (!input || !window.fetch) { return; }
  var url = input.getAttribute("data-county-search");
  var list = document.createElement("datalist");
  list.id = input.id + "_suggestions";
  input.parentNode.appendChild(list);
  input.setAttribute("list", list.id);
  var timer = null;
  var last = "";
  input.addEventListener("input", function () {
    var q = input.value.trim();
    if (timer) { clearTimeout(timer); }
    if (!q || q === last || /^\d{6}\s/.test(q)) { return; }
    timer = setTimeout(function () {
      last = q;
      fetch(url + "?q=" + encodeURIComponent(q), { headers: { Accept: "application/json" } })
        .then(function (response) { return response.ok ? response.json() : { results: [] }; })
        .then(function (data) {
          list.textContent = "";
          data.results.forEach(function (county) {
            var option = document.createElement("option");
            option.value = county.code + " " + county.label;
            list.appendChild(option);
          });
        })
        .catch(function () { /* offline: the server still resolves what was typed */ });
    }, 250);
  });
}());

// Drag to reorder the studio outline (progressive enhancement): the up/down buttons work
// without JavaScript; a drop fills the list's reorder form with the new order and sends it,
// the same form a person could send by hand.
(function () {
  "use strict";
  document.documentElement.classList.add("studio-js");
  var dragged = null;
  document.querySelectorAll(".studio-sortable").forEach(function (list) {
    var form = document.getElementById(list.getAttribute("data-form"));
    if (!form) { return; }
    Array.prototype.forEach.call(list.children, function (item) {
      if (!item.getAttribute("data-key")) { return; }
      item.draggable = true;
      item.addEventListener("dragstart", function (event) {
        event.stopPropagation();
        dragged = item;
        item.classList.add("dragging");
        event.dataTransfer.effectAllowed = "move";
        event.dataTransfer.setData("text/plain", item.getAttribute("data-key"));
      });
      item.addEventListener("dragend", function () {
        item.classList.remove("dragging");
      });
      item.addEventListener("dragover", function (event) {
        if (!dragged || dragged === item || dragged.parentNode !== list) { return; }
        event.preventDefault();
        event.stopPropagation();
        var box = item.getBoundingClientRect();
        var after = event.clientY > box.top + box.height / 2;
        list.insertBefore(dragged, after ? item.nextSibling : item);
      });
      item.addEventListener("drop", function (event) {
        if (!dragged || dragged.parentNode !== list) { return; }
        event.preventDefault();
        event.stopPropagation();
        var keys = Array.prototype.filter.call(list.children, function (child) {
          return child.getAttribute("data-key");
        }).map(function (child) { return child.getAttribute("data-key"); });
        form.querySelector("input[name=order]").value = keys.join(",");
        dragged = null;
        form.submit();
      });
    });
  });
})();

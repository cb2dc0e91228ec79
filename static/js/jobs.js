// The consent page: changing a choice refreshes what will be shared (the page works without it:
// the "Show what I will share" button does the same).
(function () {
  var form = document.getElementById("choose");
  if (!form) return;
  form.addEventListener("change", function () { form.submit(); });
})();

/* On every signed-in page: keep this phone's service workers (the learner's offline lessons,
 * /learn/, and the officer's kept pages, /officers/) told who is signed in.
 *
 * A worker reads the cookie the server keeps while someone is signed in
 * (accounts.middleware.OfflineUserMiddleware) itself where it has cookieStore. Where it has not
 * (Firefox, older Android WebViews) it trusts the id the last page posted, and a sign-out from a
 * page without the offline scripts would leave it serving the previous user's copies on a
 * shared phone. So this script posts the signed-in id when it changed, and "" as a sign-out form
 * is sent (before the page's own handlers, which may still ask to confirm: a worker told "" too
 * early only serves nothing until the next page tells it again). */
(function () {
  "use strict";
  if (!("serviceWorker" in navigator) || !navigator.serviceWorker.getRegistrations) return;
  var script = document.currentScript;
  var logout = script && script.dataset.logout;
  var COOKIE = "tp_offline_user=";
  var KEY = "talentportal.sw.user";
  var pair = document.cookie.split("; ").filter(function (part) { return part.indexOf(COOKIE) === 0; })[0];
  var user = pair ? decodeURIComponent(pair.slice(COOKIE.length)) : "";
  var workers = [];

  function told() {
    try { return localStorage.getItem(KEY); } catch (error) { return null; }
  }

  function tell(who) {
    workers.forEach(function (worker) { worker.postMessage({ user: who }); });
    try { localStorage.setItem(KEY, who); } catch (error) { /* private mode: tell every time */ }
  }

  navigator.serviceWorker.getRegistrations().then(function (registrations) {
    workers = registrations.map(function (registration) {
      return registration.active || registration.waiting || registration.installing;
    }).filter(Boolean);
    if (workers.length && told() !== user) tell(user);
  }, function () {});

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!logout || !form || !form.action) return;
    if (new URL(form.action, location.href).pathname === logout) tell("");
  }, true);
})();

/* Shared by the learner's and the officers' service workers (templates/learn/sw.js,
 * templates/officers/sw.js), which define USER_COOKIE, STATE_CACHE and STATE_KEY first. */
self.addEventListener("install", function () {
  self.skipWaiting();
});

self.addEventListener("activate", function (event) {
  event.waitUntil(self.clients.claim());
});

/* Who is signed in on this phone: the cookie the server sets while a user is signed in (read with
 * cookieStore where the browser has it), otherwise the id the last page posted ("" after sign-out).
 * Without a user nothing kept is served: a shared phone shows nobody the previous user's pages. */
function postedUser() {
  return caches.open(STATE_CACHE).then(function (cache) {
    return cache.match(STATE_KEY).then(function (kept) { return kept ? kept.text() : ""; });
  });
}

function currentUser() {
  if (self.cookieStore && self.cookieStore.get) {
    return self.cookieStore.get(USER_COOKIE).then(function (cookie) {
      return cookie && cookie.value ? cookie.value : "";
    }, postedUser);
  }
  return postedUser();
}

self.addEventListener("message", function (event) {
  var data = event.data || {};
  if (!Object.prototype.hasOwnProperty.call(data, "user")) return;
  var user = data.user ? String(data.user) : "";
  event.waitUntil(caches.open(STATE_CACHE).then(function (cache) {
    return cache.put(STATE_KEY, new Response(user));
  }));
});

/* The signed-in user's copy of ``request`` from the caches named <prefix><user id>-…, the
 * newest kept first. */
function userCopy(request, prefix) {
  return currentUser().then(function (user) {
    if (!user) return undefined;
    var mine = prefix + user + "-";
    return caches.keys().then(function (names) {
      var found = names.filter(function (name) { return name.indexOf(mine) === 0; }).sort().reverse();
      return found.reduce(function (answer, name) {
        return answer.then(function (response) {
          if (response) return response;
          return caches.open(name).then(function (cache) { return cache.match(request, { ignoreVary: true }); });
        });
      }, Promise.resolve(undefined));
    });
  });
}

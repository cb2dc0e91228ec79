{% load i18n %}/* The learner's service worker (served by learn.offline_views.service_worker, scope /learn/).
 * When the network is gone it answers the pages and files the signed-in learner saved for offline study;
 * saving and removing a course is done by the page (static/js/offline.js) in the Cache Storage
 * this worker reads. Online, pages always come from the network. */
"use strict";

var OFFLINE_PAGE =
  '<!DOCTYPE html><html><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">' +
  "<title>{{ _('You are offline')|escapejs }}</title></head><body><h1>{{ _('You are offline')|escapejs }}</h1>" +
  "<p>{{ _('This page was not saved on this phone. Open a course you saved for offline study, or try again when you have a connection.')|escapejs }}</p>" +
  '<p><a href="{% url "learn:dashboard" %}">{{ _("My learning")|escapejs }}</a></p></body></html>';

var USER_COOKIE = "{{ user_cookie }}";
var STATE_CACHE = "talentportal-offline-state";
var STATE_KEY = "/learn/sw-user";

self.addEventListener("install", function () {
  self.skipWaiting();
});

self.addEventListener("activate", function (event) {
  event.waitUntil(self.clients.claim());
});

/* Who is signed in on this phone: the cookie the server sets while a user is signed in (read with
 * cookieStore where the browser has it), otherwise the id the last page posted ("" after sign-out).
 * Without a user, no saved page is served: a shared phone shows nobody the previous user's pages. */
function postedUser() {
  return caches.open(STATE_CACHE).then(function (cache) {
    return cache.match(STATE_KEY).then(function (saved) { return saved ? saved.text() : ""; });
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

/* Only the signed-in user's saved courses: caches named course-<user id>-<course>. */
function fromCache(request) {
  return currentUser().then(function (user) {
    if (!user) return undefined;
    var prefix = "course-" + user + "-";
    return caches.keys().then(function (names) {
      var mine = names.filter(function (name) { return name.indexOf(prefix) === 0; });
      return mine.reduce(function (found, name) {
        return found.then(function (response) {
          if (response) return response;
          return caches.open(name).then(function (cache) { return cache.match(request, { ignoreVary: true }); });
        });
      }, Promise.resolve(undefined));
    });
  });
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET") return;
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (request.mode === "navigate") {
    event.respondWith(
      fetch(request).catch(function () {
        return fromCache(request).then(function (saved) {
          return saved || new Response(OFFLINE_PAGE, {
            status: 200,
            headers: { "Content-Type": "text/html; charset=utf-8" },
          });
        });
      })
    );
    return;
  }
  if (url.pathname.indexOf("{{ static_prefix }}") === 0 || url.pathname.indexOf("{{ media_prefix }}") === 0) {
    // Saved files first (a saved course keeps working on a weak signal), the network otherwise.
    event.respondWith(
      fromCache(request).then(function (saved) {
        return saved || fetch(request);
      })
    );
  }
});

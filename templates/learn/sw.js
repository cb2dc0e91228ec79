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

{% include "includes/sw_user.js" %}
/* Only the signed-in user's saved courses: caches named course-<user id>-<course>. */
function fromCache(request) {
  return userCopy(request, "course-");
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

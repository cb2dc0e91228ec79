{% load i18n %}/* The officers' service worker (served by officers.offline_views.service_worker, scope /officers/).
 * Online, pages come from the network. With no network it answers the officer's pages and files kept
 * by "Keep for offline" (static/js/officers-offline.js) from the Cache Storage: only the signed-in
 * user's copies (caches named {{ cache_prefix }}<user id>-…), so a shared phone shows nobody another
 * officer's pages. A page answered from a copy is marked (data-offline-from="cache") so that it shows
 * "Offline — kept on …". Forms are never answered here: a survey filled in offline is kept on the
 * phone by static/js/officers-survey.js and sent when the connection returns. */
"use strict";

var OFFLINE_PAGE =
  '<!DOCTYPE html><html><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">' +
  "<title>{{ _('You are offline')|escapejs }}</title></head><body><h1>{{ _('You are offline')|escapejs }}</h1>" +
  "<p>{{ _('This page was not kept on this phone. Open the officer workspace or a survey you kept for offline use, or try again when you have a connection.')|escapejs }}</p>" +
  '<p><a href="{% url "officers:workspace" %}">{{ _("Officer workspace")|escapejs }}</a></p></body></html>';

var USER_COOKIE = "{{ user_cookie }}";
var PREFIX = "{{ cache_prefix }}";
var STATE_CACHE = "officers-offline-state";
var STATE_KEY = "/officers/sw-user";
var NETWORK_MARK = 'data-offline-from="network"';
var CACHE_MARK = 'data-offline-from="cache"';

{% include "includes/sw_user.js" %}
function fromCache(request) {
  return userCopy(request, PREFIX);
}

/* A kept page, marked as answered from the phone's copy. */
function marked(response) {
  return response.text().then(function (html) {
    var headers = new Headers(response.headers);
    headers.set("Content-Type", "text/html; charset=utf-8");
    return new Response(html.replace(NETWORK_MARK, CACHE_MARK), { status: 200, headers: headers });
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
        return fromCache(request).then(function (kept) {
          if (kept) return marked(kept);
          return new Response(OFFLINE_PAGE, {
            status: 200,
            headers: { "Content-Type": "text/html; charset=utf-8" },
          });
        });
      })
    );
    return;
  }
  if (url.pathname.indexOf("{{ static_prefix }}") === 0) {
    // Kept files first (a kept page works on a weak signal), the network otherwise.
    event.respondWith(
      fromCache(request).then(function (kept) {
        return kept || fetch(request);
      })
    );
  }
});

/* The officer's survey pages offline (templates/officers/_offline.html, officers/offline_views.py).
 *
 * "Keep for offline" (the workspace): the page asks the server which addresses make up the
 * officer's pages (the workspace, each open survey's fill-in page, their counties' visit forms,
 * the portal's files) and keeps them in a cache named by the user (officers-<user>-<time>); the
 * service worker (/officers/sw.js) answers from it when the network is gone, also from a cold
 * start. A new copy replaces the old one only once it is complete. Chosen by a press, not on
 * every visit: on 2G a copy of every survey page costs data the officer decides to spend.
 *
 * A page answered from the copy says so, with the time it was kept. A survey filled in there is
 * kept and sent by static/js/officers-survey.js as online; a visit logged offline is kept and sent
 * by this script (below).
 *
 * A shared phone: the worker serves only the signed-in user's copies; signing out from these
 * pages deletes this user's copies (and warns when responses or visits still wait to be sent: they
 * stay on the phone for the same user's next sign-in). Without this script (or without a
 * service worker) the pages work online as plain forms. */
(function () {
  "use strict";
  var root = document.getElementById("officers-offline");
  if (!root || !root.dataset.user || !window.localStorage || !window.fetch || !window.Promise) return;
  var user = root.dataset.user;
  var PREFIX = "officers-" + user + "-";
  var KEPT = "officers.offline.kept." + user;
  var DRAFTS = "officers.survey.drafts." + user;
  var canKeep = "serviceWorker" in navigator && "caches" in window;
  var banner = document.getElementById("offline-banner");
  var panel = document.getElementById("offline-keep");
  var state = document.getElementById("offline-keep-state");
  var keepButton = document.getElementById("offline-keep-button");
  var dropButton = document.getElementById("offline-drop");

  function keptAt() {
    var at = Number(localStorage.getItem(KEPT));
    return at > 0 ? at : 0;
  }

  function pad(n) { return (n < 10 ? "0" : "") + n; }
  function when(at) {
    var d = new Date(at);
    return d.getFullYear() + "-" + pad(d.getMonth() + 1) + "-" + pad(d.getDate()) + " " + pad(d.getHours()) + ":" + pad(d.getMinutes());
  }

  // --- The banner of a page answered from the phone's copy -----------------------------------

  if (root.dataset.offlineFrom === "cache" && banner) {
    var at = keptAt();
    banner.textContent = at ? root.dataset.keptOn.replace("%TIME%", when(at)) : root.dataset.kept;
    banner.hidden = false;
  }

  // --- Visits logged offline ------------------------------------------------------------------
  /* A visit logged while offline is kept on the phone (localStorage, under the user's id) with
   * the key this page made for it, and sent when the connection returns, from whichever officer
   * page is open; the server logs a key once, so a send repeated after a lost answer logs nothing
   * new. A draft leaves the phone only on the server's JSON answer: logged, or refused with its
   * reason (shown, with buttons to open it in the form to correct or to discard it). Online the
   * form posts as a plain form. */

  var VISITS = "officers.visit.drafts." + user;
  var visitForm = document.querySelector("form[data-offline-queue=visit]");
  var visitState = document.getElementById("visit-sync");
  var visitList = document.getElementById("visit-refused");
  var sendingVisits = false;

  function visits() {
    try { return JSON.parse(localStorage.getItem(VISITS)) || []; } catch (e) { return []; }
  }
  function storeVisits(items) { localStorage.setItem(VISITS, JSON.stringify(items)); }
  function field(draft, name) {
    var found = draft.fields.filter(function (pair) { return pair[0] === name; })[0];
    return found ? found[1] : "";
  }
  function dropVisit(key) {
    storeVisits(visits().filter(function (draft) { return field(draft, "client_key") !== key; }));
  }

  function newKey() {
    var bytes = new Uint8Array(16);
    window.crypto.getRandomValues(bytes);
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    var hex = Array.prototype.map.call(bytes, function (b) { return (b + 0x100).toString(16).slice(1); }).join("");
    return [hex.slice(0, 8), hex.slice(8, 12), hex.slice(12, 16), hex.slice(16, 20), hex.slice(20)].join("-");
  }

  function showVisits(logged) {
    if (!visitState || !visitList) return;
    var items = visits();
    var waiting = items.filter(function (draft) { return !draft.refused; }).length;
    visitState.dataset.pending = String(waiting);
    if (waiting) {
      visitState.textContent = root.dataset.visitsPending.replace("%N%", String(waiting));
      visitState.hidden = false;
    } else if (logged) {
      visitState.textContent = root.dataset.visitsLogged;
      visitState.hidden = false;
    } else {
      visitState.hidden = !visitState.textContent;
    }
    var refused = items.filter(function (draft) { return draft.refused; });
    visitList.textContent = "";
    visitList.dataset.count = String(refused.length);
    refused.forEach(function (draft) {
      var key = field(draft, "client_key");
      var item = document.createElement("li");
      item.className = "draft-refused";
      item.dataset.key = key;
      item.appendChild(document.createTextNode(field(draft, "visited_on") + " " + field(draft, "village") + " · "));
      var reason = document.createElement("span");
      reason.className = "reason";
      reason.textContent = draft.refused;
      item.appendChild(reason);
      item.appendChild(document.createElement("br"));
      var open = document.createElement("a");
      open.className = "btn small";
      open.href = draft.action + "#visit=" + encodeURIComponent(key);
      open.textContent = root.dataset.open;
      open.addEventListener("click", function (event) {
        if (openVisit(key)) event.preventDefault();  // the form is on this page: filled here
      });
      item.appendChild(open);
      item.appendChild(document.createTextNode(" "));
      var discard = document.createElement("button");
      discard.type = "button";
      discard.className = "btn small";
      discard.textContent = root.dataset.discard;
      discard.addEventListener("click", function () {
        dropVisit(key);
        showVisits(false);
      });
      item.appendChild(discard);
      visitList.appendChild(item);
    });
    visitList.hidden = !refused.length;
  }

  function token() {
    var input = document.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  /* Send one kept visit: resolves to "sent", "refused" or "later" (no answer, signed out, a
   * server error: it stays as it is). */
  function sendVisit(draft) {
    var body = new FormData();
    var csrf = token();
    draft.fields.forEach(function (pair) { body.append(pair[0], pair[1]); });
    body.append("csrfmiddlewaretoken", csrf);
    return fetch(draft.action, {
      method: "POST",
      body: body,
      credentials: "same-origin",
      redirect: "manual",
      headers: { Accept: "application/json", "X-CSRFToken": csrf }
    }).then(function (response) {
      var json = (response.headers.get("Content-Type") || "").indexOf("application/json") === 0;
      return (json ? response.json() : Promise.resolve(null)).then(function (data) {
        if (response.ok && data && data.visit) {
          dropVisit(field(draft, "client_key"));
          return "sent";
        }
        if (response.status === 400 || response.status === 404) {
          var key = field(draft, "client_key");
          storeVisits(visits().map(function (kept) {
            if (field(kept, "client_key") === key) kept.refused = (data && data.error) || root.dataset.visitGone;
            return kept;
          }));
          return "refused";
        }
        return "later";
      });
    }).catch(function () { return "later"; });
  }

  function sendVisits() {
    if (sendingVisits || !navigator.onLine) return;
    var queue = visits().filter(function (draft) { return !draft.refused; });
    if (!queue.length) return;
    sendingVisits = true;
    var logged = false;
    function next(index) {
      if (index >= queue.length) return Promise.resolve();
      return sendVisit(queue[index]).then(function (outcome) {
        if (outcome === "sent") logged = true;
        return outcome === "later" ? null : next(index + 1);
      });
    }
    next(0).then(function () {
      sendingVisits = false;
      showVisits(logged);
    });
  }

  if (visitForm) {
    if (visitForm.elements.client_key) visitForm.elements.client_key.value = newKey();
    // Back on this form from the browser's page cache after it was sent: what is typed now is
    // another visit, with a key of its own (the same key would return the visit logged first).
    window.addEventListener("pageshow", function (event) {
      if (event.persisted && visitForm.elements.client_key && !visitForm.dataset.replaces) {
        visitForm.elements.client_key.value = newKey();
      }
    });
    visitForm.addEventListener("submit", function (event) {
      // A refused visit opened here to correct is replaced by what is sent now.
      if (visitForm.dataset.replaces) dropVisit(visitForm.dataset.replaces);
      if (navigator.onLine) return;
      event.preventDefault();
      var fields = [];
      Array.prototype.forEach.call(visitForm.elements, function (element) {
        if (!element.name || element.disabled || element.name === "csrfmiddlewaretoken") return;
        if ((element.type === "checkbox" || element.type === "radio") && !element.checked) return;
        fields.push([element.name, element.value]);
      });
      var items = visits();
      items.push({ action: visitForm.getAttribute("action") || window.location.pathname, fields: fields, at: Date.now() });
      storeVisits(items);
      visitForm.reset();
      visitForm.elements.client_key.value = newKey();
      delete visitForm.dataset.replaces;
      showVisits(false);
      visitState.scrollIntoView();
    });
    var opened = /^#visit=(.+)$/.exec(window.location.hash);
    if (opened) openVisit(decodeURIComponent(opened[1]));
  }

  /* Fill this page's visit form with a kept visit (true), if the form is here and the visit is
   * of this form's county. */
  function openVisit(key) {
    var draft = visits().filter(function (kept) { return field(kept, "client_key") === key; })[0];
    if (!visitForm || !draft) return false;
    var here = new URL(visitForm.getAttribute("action") || window.location.pathname, window.location.href).pathname;
    if (new URL(draft.action, window.location.href).pathname !== here) return false;
    visitForm.reset();
    Array.prototype.forEach.call(visitForm.elements, function (element) {
      if (!element.name || element.name === "csrfmiddlewaretoken" || element.name === "client_key") return;
      var values = draft.fields.filter(function (pair) { return pair[0] === element.name; }).map(function (pair) { return pair[1]; });
      if (element.type === "checkbox" || element.type === "radio") element.checked = values.indexOf(element.value) >= 0;
      else if (values.length) element.value = values[0];
    });
    visitForm.dataset.replaces = key;
    visitForm.scrollIntoView();
    return true;
  }
  window.addEventListener("online", sendVisits);
  // A send that found no answer (a weak signal, a busy server) is tried again while the page is open.
  window.setInterval(sendVisits, 60000);
  showVisits(false);
  sendVisits();

  // --- Keeping the pages ---------------------------------------------------------------------

  function mine() {
    return caches.keys().then(function (names) {
      return names.filter(function (name) { return name.indexOf(PREFIX) === 0; });
    });
  }

  function tellWorker(who) {
    if (!("serviceWorker" in navigator)) return Promise.resolve();
    return navigator.serviceWorker.getRegistration(root.dataset.scope).then(function (registration) {
      var worker = registration && (registration.active || registration.waiting || registration.installing);
      if (worker) worker.postMessage({ user: who });
    }, function () {});
  }

  function showKept(text) {
    if (!panel) return;
    var at = keptAt();
    if (!keepButton.dataset.label) keepButton.dataset.label = keepButton.textContent;
    keepButton.textContent = at ? root.dataset.update : keepButton.dataset.label;
    dropButton.hidden = !at;
    state.textContent = text || (at ? root.dataset.saved.replace("%TIME%", when(at)) : "");
  }

  function keep() {
    keepButton.disabled = true;
    root.dataset.state = "saving";
    showKept(root.dataset.saving);
    var name = PREFIX + Date.now();
    navigator.serviceWorker.ready.then(function () {
      return fetch(root.dataset.bundle, { credentials: "same-origin", headers: { Accept: "application/json" } });
    }).then(function (response) {
      if (!response.ok || response.redirected) throw new Error(String(response.status));
      return response.json();
    }).then(function (bundle) {
      if (bundle.prefix !== PREFIX) throw new Error("another user");
      return caches.open(name).then(function (cache) {
        return Promise.all(bundle.urls.map(function (url) {
          return fetch(url, { credentials: "same-origin" }).then(function (response) {
            if (!response.ok || response.redirected) throw new Error(url);
            return cache.put(url, response);
          });
        }));
      });
    }).then(function () {
      // The new copy is complete: the older ones go.
      return mine().then(function (names) {
        return Promise.all(names.filter(function (other) { return other !== name; }).map(function (other) {
          return caches.delete(other);
        }));
      });
    }).then(function () {
      localStorage.setItem(KEPT, String(Date.now()));
      root.dataset.state = "saved";
      showKept();
    }).catch(function () {
      caches.delete(name);
      root.dataset.state = "failed";
      showKept(root.dataset.failed);
    }).then(function () {
      keepButton.disabled = false;
    });
  }

  function drop() {
    return mine().then(function (names) {
      return Promise.all(names.map(function (name) { return caches.delete(name); }));
    }).then(function () {
      localStorage.removeItem(KEPT);
    });
  }

  // --- Signing out on a shared phone -----------------------------------------------------------

  function waiting() {
    var surveys = 0;
    try {
      surveys = (JSON.parse(localStorage.getItem(DRAFTS)) || []).filter(function (draft) { return !draft.refused; }).length;
    } catch (e) { surveys = 0; }
    return surveys + visits().filter(function (draft) { return !draft.refused; }).length;
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    var action = form.getAttribute && form.getAttribute("action");
    if (!action || action !== root.dataset.logout || form.dataset.cleared) return;
    event.preventDefault();
    var count = waiting();
    if (count && !window.confirm(root.dataset.logoutPending.replace("%N%", String(count)))) return;
    var cleared = "caches" in window ? drop() : Promise.resolve();
    cleared.then(function () { return tellWorker(""); }, function () {}).then(function () {
      form.dataset.cleared = "1";
      if (form.requestSubmit) form.requestSubmit(); else form.submit();
    });
  });

  if (!canKeep || !root.dataset.sw) return;
  navigator.serviceWorker.register(root.dataset.sw, { scope: root.dataset.scope }).then(function () {
    return navigator.serviceWorker.ready;
  }).then(function () { return tellWorker(user); }).catch(function () {});
  if (panel) {
    panel.hidden = false;
    keepButton.addEventListener("click", keep);
    dropButton.addEventListener("click", function () {
      drop().then(function () {
        root.dataset.state = "removed";
        showKept(root.dataset.removed);
      });
    });
    showKept();
  }
})();

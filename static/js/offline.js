/* Offline study (templates/learn/_offline.html, learn/offline.py).
 *
 * Saving a course: the page asks the server which addresses make up the course (its lesson and
 * quiz pages, the pictures in them, the portal's files) and keeps them in the Cache Storage that
 * the service worker (/learn/sw.js) answers from when the network is gone. "Remove offline copy"
 * deletes that cache; the storage used is shown (navigator.storage.estimate).
 *
 * Studying offline: "Mark complete" and a quiz's answers sent while the phone is offline are kept
 * in localStorage (under the signed-in user's id: another user of a shared phone neither sees nor
 * sends them), each with a key made here, and sent when the connection returns. The server
 * records a key once (a lesson: learn.offline.offline_lesson_complete; a quiz: the attempt's
 * token), so a send repeated after a lost answer creates nothing new. An entry leaves the queue
 * only on the server's JSON answer: recorded, or refused with its reason, which stays shown (not
 * "uploaded") until the learner dismisses it. A quiz is sent this way online too, so that a weak
 * signal (the send fails) queues it instead of losing it.
 *
 * A shared phone: saved courses are kept in caches named by the user (course-<user>-<course>);
 * the page tells the service worker who is signed in, and signing out deletes this user's
 * copies and warns first when study records still wait to upload (they stay queued for the
 * same user's next sign-in). Without this script (or without a service worker) the pages work
 * as plain forms online. */
(function () {
  "use strict";
  var panel = document.getElementById("offline");
  if (!panel || !window.localStorage || !window.fetch || !window.Promise || !window.URLSearchParams) return;
  var QUEUE = "talentportal.offline.queue." + panel.dataset.user;
  var SAVED = "talentportal.offline.saved." + panel.dataset.user;
  var REFUSED_LIST = "talentportal.offline.refused." + panel.dataset.user;
  var GONE = [404, 410];  // the lesson or quiz no longer exists: refused without a JSON reason
  var canSave = "serviceWorker" in navigator && "caches" in window;
  var syncState = document.getElementById("offline-sync");
  var saveState = document.getElementById("offline-state");
  var saveButton = document.getElementById("offline-save");
  var removeButton = document.getElementById("offline-remove");
  var savedList = document.getElementById("offline-courses");
  var storage = document.getElementById("offline-storage");
  var sending = false;
  var justSynced = false;
  var signInNeeded = false;

  function read(name, empty) {
    try { return JSON.parse(localStorage.getItem(name)) || empty; } catch (e) { return empty; }
  }
  function write(name, value) { localStorage.setItem(name, JSON.stringify(value)); }
  function queue() { return read(QUEUE, []); }
  function refusedItems() { return read(REFUSED_LIST, []); }
  function saved() { return read(SAVED, {}); }

  function newKey() {
    var bytes = new Uint8Array(24);
    window.crypto.getRandomValues(bytes);
    var text = "";
    for (var i = 0; i < bytes.length; i++) text += String.fromCharCode(bytes[i]);
    return btoa(text).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }

  function cookie(name) {
    var found = document.cookie.split("; ").filter(function (pair) { return pair.indexOf(name + "=") === 0; })[0];
    return found ? decodeURIComponent(found.slice(name.length + 1)) : "";
  }

  function showSync() {
    var count = queue().length;
    if (signInNeeded && count) {
      syncState.textContent = panel.dataset.signIn;
    } else if (count) {
      var text = count === 1 ? panel.dataset.pendingOne : panel.dataset.pendingOther;
      syncState.textContent = text.replace("%N%", String(count));
    } else {
      syncState.textContent = justSynced ? panel.dataset.synced : "";
    }
    syncState.dataset.pending = String(count);
    if (count || justSynced) panel.hidden = false;
    showRefused();
  }

  function showRefused() {
    var items = refusedItems();
    var list = document.getElementById("offline-refused");
    if (!list) {
      list = document.createElement("ul");
      list.id = "offline-refused";
      list.className = "list errors";
      syncState.parentNode.insertBefore(list, syncState.nextSibling);
    }
    list.textContent = "";
    list.dataset.count = String(items.length);
    list.hidden = !items.length;
    items.forEach(function (item) {
      var row = document.createElement("li");
      row.dataset.key = item.key;
      row.textContent = panel.dataset.refused + " " + item.reason + " ";
      var dismiss = document.createElement("button");
      dismiss.type = "button";
      dismiss.className = "btn small";
      dismiss.textContent = panel.dataset.dismiss;
      dismiss.addEventListener("click", function () {
        write(REFUSED_LIST, refusedItems().filter(function (other) { return other.key !== item.key; }));
        showRefused();
      });
      row.appendChild(dismiss);
      list.appendChild(row);
    });
    if (items.length) panel.hidden = false;
  }

  // --- Studying offline: the queue ---------------------------------------------------------

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (isLogout(form)) { signOut(event, form); return; }
    var kind = form.getAttribute && form.getAttribute("data-offline-queue");
    // Online, "mark done" is a plain form (safe to press again); a quiz goes through the queue,
    // sent at once: a send that fails on a weak signal is kept, not lost.
    if (!kind || (navigator.onLine && kind !== "quiz")) return;
    event.preventDefault();
    var key = newKey();
    var fields = [];
    new FormData(form).forEach(function (value, name) {
      if (typeof value !== "string" || name === "csrfmiddlewaretoken") return;
      // A quiz answered offline is a new attempt: its token is made here (the key).
      fields.push([name, kind === "quiz" && name === "token" ? key : value]);
    });
    if (event.submitter && event.submitter.name) fields.push([event.submitter.name, event.submitter.value]);
    fields.push(["offline_key", key]);
    var items = queue();
    var item = { key: key, kind: kind, url: form.getAttribute("action") || location.pathname, fields: fields, at: Date.now() };
    items.push(item);
    write(QUEUE, items);
    justSynced = false;
    if (navigator.onLine && kind === "quiz") {
      form.querySelectorAll("button").forEach(function (button) { button.disabled = true; });
      sendOne(item).then(function (answer) {
        if (answer && answer.result) { location.href = answer.result; return; }
        if (answer && answer.code === "invalid") {
          // Online, a question left out is shown next to it by the page itself: the plain form.
          write(REFUSED_LIST, refusedItems().filter(function (other) { return other.key !== key; }));
          form.submit();
          return;
        }
        form.querySelectorAll("button").forEach(function (button) { button.disabled = false; });
        if (!answer) queuedNote(form);  // no answer: kept for the next try
        showSync();
      });
      return;
    }
    var next = form.getAttribute("data-offline-next");
    if (next) {
      location.href = next;
      return;
    }
    showSync();
    queuedNote(form);
    form.querySelectorAll("button").forEach(function (button) { button.disabled = true; });
  });

  function queuedNote(form) {
    var note = document.createElement("p");
    note.className = "msg";
    note.setAttribute("role", "status");
    note.textContent = panel.dataset.queued;
    form.parentNode.insertBefore(note, form);
  }

  function drop(key) {
    write(QUEUE, queue().filter(function (item) { return item.key !== key; }));
  }

  /* Send one queued item. Resolves with the server's JSON answer when it gave one (the item then
   * leaves the queue: recorded, or refused and listed with its reason), or null when there was
   * no answer to trust (no connection, signed out, a server error): the item stays queued. */
  function sendOne(item) {
    var body = new URLSearchParams();
    item.fields.forEach(function (pair) { body.append(pair[0], pair[1]); });
    return fetch(item.url, {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: { "X-CSRFToken": cookie("csrftoken"), "X-Requested-With": "fetch", "Accept": "application/json" },
    }).then(function (response) {
      if (response.redirected && response.url.indexOf(panel.dataset.login) !== -1) {
        signInNeeded = true;  // kept until the learner logs in again
        return null;
      }
      if (response.status === 403) { signInNeeded = true; return null; }
      var isJson = (response.headers.get("Content-Type") || "").indexOf("application/json") === 0;
      if (!isJson) {
        if (GONE.indexOf(response.status) === -1) return null;
        refuse(item, panel.dataset.gone);
        return {};
      }
      return response.json().then(function (answer) {
        signInNeeded = false;
        if (response.ok) drop(item.key);
        else refuse(item, answer.error || panel.dataset.gone);
        return answer;
      }, function () { return null; });
    }, function () {
      return null;  // no connection after all (or a weak one): kept for the next try
    });
  }

  function refuse(item, reason) {
    drop(item.key);
    var items = refusedItems();
    items.push({ key: item.key, kind: item.kind, reason: reason, at: Date.now() });
    write(REFUSED_LIST, items);
  }

  function send() {
    if (sending || !navigator.onLine) return;
    var items = queue();
    if (!items.length) { showSync(); return; }
    sending = true;
    sendOne(items[0]).then(function (answer) {
      sending = false;
      if (answer === null) { showSync(); return; }
      justSynced = !queue().length && !refusedItems().length;
      showSync();
      send();
    });
  }

  // --- Signing out on a shared phone -------------------------------------------------------

  function isLogout(form) {
    var action = form.getAttribute && form.getAttribute("action");
    return Boolean(action && panel.dataset.logout && action === panel.dataset.logout);
  }

  function tellWorker(user) {
    if (!("serviceWorker" in navigator)) return Promise.resolve();
    return navigator.serviceWorker.getRegistration(panel.dataset.scope).then(function (registration) {
      var worker = registration && (registration.active || registration.waiting || registration.installing);
      if (worker) worker.postMessage({ user: user });
    }, function () {});
  }

  function signOut(event, form) {
    if (form.dataset.cleared) return;  // this user's copies are gone: sign out now
    var count = queue().length;
    if (count && !window.confirm(panel.dataset.logoutPending.replace("%N%", String(count)))) {
      event.preventDefault();
      return;
    }
    event.preventDefault();
    // This user's lesson copies, and the officer pages they kept (static/js/officers-offline.js).
    var mine = ["course-" + panel.dataset.user + "-", "officers-" + panel.dataset.user + "-"];
    var cleared = "caches" in window
      ? caches.keys().then(function (names) {
        return Promise.all(names.filter(function (name) {
          return mine.some(function (prefix) { return name.indexOf(prefix) === 0; });
        }).map(function (name) {
          return caches.delete(name);
        }));
      })
      : Promise.resolve();
    localStorage.removeItem(SAVED);
    localStorage.removeItem("officers.offline.kept." + panel.dataset.user);
    cleared.then(function () { return tellWorker(""); }, function () {}).then(function () {
      form.dataset.cleared = "1";
      if (form.requestSubmit) form.requestSubmit(); else form.submit();
    });
  }

  window.addEventListener("online", send);
  window.addEventListener("offline", showSync);
  window.addEventListener("storage", function (event) { if (event.key === QUEUE) showSync(); });

  // --- Saving a course ---------------------------------------------------------------------

  function showStorage() {
    if (!storage || !navigator.storage || !navigator.storage.estimate) return;
    navigator.storage.estimate().then(function (estimate) {
      var megabytes = (estimate.usage || 0) / (1024 * 1024);
      storage.textContent = panel.dataset.used.replace("%USED%", megabytes.toFixed(1));
    });
  }

  function showSaved() {
    var courses = saved();
    var slug = panel.dataset.course;
    if (saveButton && removeButton) {
      var isSaved = Object.prototype.hasOwnProperty.call(courses, slug);
      removeButton.hidden = !isSaved;
      if (!saveButton.dataset.label) saveButton.dataset.label = saveButton.textContent;
      saveButton.textContent = isSaved ? panel.dataset.update : saveButton.dataset.label;
      if (isSaved && !saveState.textContent) saveState.textContent = panel.dataset.saved;
    }
    if (savedList) {
      savedList.textContent = "";
      Object.keys(courses).forEach(function (courseSlug) {
        var item = document.createElement("li");
        item.textContent = courses[courseSlug].title + " ";
        var button = document.createElement("button");
        button.type = "button";
        button.className = "btn small danger";
        button.textContent = panel.dataset.remove;
        button.addEventListener("click", function () { remove(courseSlug); });
        item.appendChild(button);
        savedList.appendChild(item);
      });
      if (Object.keys(courses).length) {
        panel.hidden = false;
        savedList.setAttribute("aria-label", panel.dataset.savedList);
      }
    }
    showStorage();
  }

  function save() {
    saveButton.disabled = true;
    saveState.textContent = panel.dataset.saving;
    navigator.serviceWorker.ready.then(function () {
      return fetch(panel.dataset.bundle, { credentials: "same-origin" });
    }).then(function (response) {
      if (!response.ok) throw new Error(String(response.status));
      return response.json();
    }).then(function (bundle) {
      return caches.open(bundle.cache).then(function (cache) {
        return Promise.all(bundle.urls.map(function (url) {
          return fetch(url, { credentials: "same-origin" }).then(function (response) {
            if (!response.ok || response.redirected) throw new Error(url);
            return cache.put(url, response);
          });
        }));
      }).then(function () {
        var courses = saved();
        courses[panel.dataset.course] = { title: bundle.title, cache: bundle.cache, at: Date.now() };
        write(SAVED, courses);
        saveState.textContent = panel.dataset.saved;
        panel.dataset.state = "saved";
      });
    }).catch(function () {
      saveState.textContent = panel.dataset.failed;
      panel.dataset.state = "failed";
    }).then(function () {
      saveButton.disabled = false;
      showSaved();
    });
  }

  function remove(slug) {
    var courses = saved();
    var cacheName = (courses[slug] && courses[slug].cache) || "course-" + panel.dataset.user + "-" + slug;
    caches.delete(cacheName).then(function () {
      delete courses[slug];
      write(SAVED, courses);
      if (saveState && slug === panel.dataset.course) {
        saveState.textContent = panel.dataset.removed;
        panel.dataset.state = "removed";
      }
      showSaved();
    });
  }

  if (canSave) {
    navigator.serviceWorker.register(panel.dataset.sw, { scope: panel.dataset.scope }).then(function () {
      return navigator.serviceWorker.ready;
    }).then(function () { return tellWorker(panel.dataset.user); }).catch(function () {});
    if (saveButton) {
      panel.hidden = false;
      saveButton.addEventListener("click", save);
      removeButton.addEventListener("click", function () { remove(panel.dataset.course); });
    }
    showSaved();
  } else if (saveButton) {
    saveButton.hidden = true;
  }
  showSync();
  send();
})();

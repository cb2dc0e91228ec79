/* The needs survey offline. Every response sent from this form is first kept on the phone
 * (localStorage, under a key of the signed-in user: another user of a shared phone neither sees
 * nor sends it) with its client key, its photos shrunk to at most 1200 px (JPEG, quality 0.7);
 * then it is sent. A draft leaves the phone only when the server answers in JSON that it is
 * recorded: a phone that says "online" on a weak signal loses nothing. A draft the server refuses
 * (400, 404, 409; 403: signed out or another session, 413: too large) is marked with the reason,
 * shown with buttons to open it for correcting or to discard it, and the drafts after it are still
 * sent. A draft opened to correct stays on the phone, marked as being corrected, until the
 * corrected response is recorded (it replaces it then); a 403 is tried again when the page is
 * opened again (after signing in). While drafts wait and the page is open, they are sent again
 * every minute. The server records a client key once, so a send repeated after a lost answer
 * creates nothing new.
 * Without this script the form posts as a plain form (the server compresses the photos). */
(function () {
  "use strict";
  var MAX_SIDE = 1200;
  var REFUSED = [400, 403, 404, 409, 413];
  var RETRY_MS = 60000;
  var form = document.getElementById("survey-form");
  var state = document.getElementById("sync-state");
  var list = document.getElementById("drafts");
  if (!form || !state || !list || !form.dataset.user) return;
  if (!window.localStorage || !window.fetch || !window.FormData || !window.Promise) return;
  var KEY = "officers.survey.drafts." + form.dataset.user;
  var sending = false;
  var again = false;
  var correcting = null;  // the key of the refused draft opened in the form

  function drafts() {
    try { return JSON.parse(localStorage.getItem(KEY)) || []; } catch (e) { return []; }
  }
  function store(items) { localStorage.setItem(KEY, JSON.stringify(items)); }
  function keyOf(draft) {
    var found = draft.fields.filter(function (pair) { return pair[0] === "client_key"; })[0];
    return found ? found[1] : "";
  }
  function update(key, change) {
    store(drafts().map(function (draft) { return keyOf(draft) === key ? change(draft) : draft; }));
  }
  function remove(key) {
    store(drafts().filter(function (draft) { return keyOf(draft) !== key; }));
  }
  function pending() { return drafts().filter(function (draft) { return !draft.refused; }); }
  function fieldValue(draft, name) {
    var found = draft.fields.filter(function (pair) { return pair[0] === name; })[0];
    return found ? found[1] : "";
  }

  function button(text, action, key) {
    var element = document.createElement("button");
    element.type = "button";
    element.className = "btn small";
    element.textContent = text;
    element.dataset.action = action;
    element.dataset.key = key;
    return element;
  }

  /* The refused drafts, each with the server's reason and what can be done with it. */
  function showRefused() {
    var refused = drafts().filter(function (draft) { return draft.refused; });
    list.textContent = "";
    refused.forEach(function (draft) {
      var item = document.createElement("li");
      item.className = "draft-refused";
      item.dataset.key = keyOf(draft);
      var name = document.createElement("strong");
      name.textContent = fieldValue(draft, "organisation_name") || "—";
      var reason = document.createElement("span");
      reason.className = "reason";
      reason.textContent = draft.refused.reason;
      if (draft.correcting) {
        item.classList.add("draft-correcting");
        reason.textContent += " " + list.dataset.correcting;
      }
      item.appendChild(name);
      item.appendChild(document.createTextNode(" · "));
      item.appendChild(reason);
      item.appendChild(document.createElement("br"));
      item.appendChild(button(list.dataset.open, "open", keyOf(draft)));
      item.appendChild(document.createTextNode(" "));
      item.appendChild(button(list.dataset.discard, "discard", keyOf(draft)));
      list.appendChild(item);
    });
    list.hidden = !refused.length;
  }

  function show(sent) {
    var waiting = pending().length;
    if (waiting) {
      state.textContent = state.dataset.pending.replace("{n}", waiting) +
        (navigator.onLine ? "" : " " + state.dataset.offline);
      state.className = "sync-state pending";
      state.hidden = false;
    } else if (sent) {
      state.textContent = state.dataset.sent;
      state.className = "sync-state sent";
      state.hidden = false;
    } else if (state.className.indexOf("pending") >= 0) {
      state.hidden = true;  // nothing waits any more (the refused drafts say why below)
    }
    showRefused();
  }

  function newKey() {
    var bytes = new Uint8Array(16);
    crypto.getRandomValues(bytes);
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    var hex = Array.prototype.map.call(bytes, function (b) { return (b + 0x100).toString(16).slice(1); }).join("");
    return [hex.slice(0, 8), hex.slice(8, 12), hex.slice(12, 16), hex.slice(16, 20), hex.slice(20)].join("-");
  }

  /* A photo as a JPEG data URL of at most MAX_SIDE px on the long side (null if unreadable). */
  function shrink(file) {
    return new Promise(function (resolve) {
      var reader = new FileReader();
      reader.onerror = function () { resolve(null); };
      reader.onload = function () {
        var picture = new Image();
        picture.onerror = function () { resolve(null); };
        picture.onload = function () {
          var scale = Math.min(1, MAX_SIDE / Math.max(picture.naturalWidth, picture.naturalHeight));
          var canvas = document.createElement("canvas");
          canvas.width = Math.max(1, Math.round(picture.naturalWidth * scale));
          canvas.height = Math.max(1, Math.round(picture.naturalHeight * scale));
          canvas.getContext("2d").drawImage(picture, 0, 0, canvas.width, canvas.height);
          resolve(canvas.toDataURL("image/jpeg", 0.7));
        };
        picture.src = reader.result;
      };
      reader.readAsDataURL(file);
    });
  }

  function blob(dataUrl) {
    var binary = atob(dataUrl.split(",")[1]);
    var bytes = new Uint8Array(binary.length);
    for (var i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
    return new Blob([bytes], { type: "image/jpeg" });
  }

  /* The form as a draft, kept on the phone before anything is sent. Resolves to the draft (with
   * its photos even when the phone had no room for them: this send may still carry them). */
  function keep() {
    var fields = [];
    var files = [];
    Array.prototype.forEach.call(form.elements, function (element) {
      if (!element.name || element.disabled) return;
      if (element.type === "file") {
        if (element.files.length) files.push([element.name, element.files[0]]);
        return;
      }
      if ((element.type === "checkbox" || element.type === "radio") && !element.checked) return;
      fields.push([element.name, element.value]);
    });
    return Promise.all(files.map(function (pair) { return shrink(pair[1]); })).then(function (urls) {
      var photos = [];
      urls.forEach(function (url, index) { if (url) photos.push([files[index][0], url]); });
      var draft = { action: form.action || window.location.href, fields: fields, photos: photos };
      // The refused draft this one corrects stays until this one is recorded.
      if (correcting && correcting !== keyOf(draft)) draft.replaces = correcting;
      correcting = null;
      var others = drafts().filter(function (other) { return keyOf(other) !== keyOf(draft); });
      try {
        store(others.concat([draft]));
      } catch (full) {  // no room left on the phone for the photos: keep the answers
        store(others.concat([{ action: draft.action, fields: fields, photos: [], replaces: draft.replaces }]));
        if (photos.length) window.alert(state.dataset.noPhoto);
      }
      form.reset();
      form.elements.client_key.value = newKey();
      return draft;
    });
  }

  function refusal(response, data) {
    if (data && data.error) return data.error;
    if (response.status === 403) return list.dataset.forbidden;
    if (response.status === 413) return list.dataset.tooLarge;
    return response.status === 404 ? list.dataset.notFound : list.dataset.refused;
  }

  /* Send one draft. Resolves to "sent", "refused" or "later" (no answer, a redirect to the
   * sign-in page, a server error: the draft stays as it is). */
  function send(draft) {
    var body = new FormData();
    // The token of this page, not the one stored with the draft: signing in again changes it.
    var token = form.elements.csrfmiddlewaretoken.value;
    draft.fields.forEach(function (pair) {
      body.append(pair[0], pair[0] === "csrfmiddlewaretoken" ? token : pair[1]);
    });
    (draft.photos || []).forEach(function (pair) { body.append(pair[0], blob(pair[1]), "photo.jpg"); });
    return fetch(draft.action, {
      method: "POST",
      body: body,
      credentials: "same-origin",
      redirect: "manual",
      headers: { Accept: "application/json", "X-CSRFToken": token }
    }).then(function (response) {
      var json = (response.headers.get("Content-Type") || "").indexOf("application/json") === 0;
      return (json ? response.json() : Promise.resolve(null)).then(function (data) {
        if (response.ok && data && data.response) {
          remove(keyOf(draft));
          if (draft.replaces) remove(draft.replaces);
          return "sent";
        }
        if (REFUSED.indexOf(response.status) >= 0) {
          update(keyOf(draft), function (kept) {
            kept.refused = { status: response.status, reason: refusal(response, data) };
            return kept;
          });
          return "refused";
        }
        return "later";
      });
    }).catch(function () { return "later"; });
  }

  /* Send the drafts waiting, one after another; a refused one does not stop the others. */
  function sendAll(first) {
    if (sending) {
      again = true;
      return Promise.resolve();
    }
    var queue = pending();
    if (first) {
      queue = [first].concat(queue.filter(function (draft) { return keyOf(draft) !== keyOf(first); }));
    }
    if (!queue.length) return Promise.resolve();
    sending = true;
    var sent = false;
    function next(index) {
      if (index >= queue.length) return Promise.resolve();
      return send(queue[index]).then(function (outcome) {
        if (outcome === "sent") sent = true;
        return outcome === "later" ? null : next(index + 1);
      });
    }
    return next(0).then(function () {
      sending = false;
      show(sent);
      if (again) {
        again = false;
        return sendAll();
      }
    });
  }

  function fill(draft) {
    form.reset();
    var names = {};
    draft.fields.forEach(function (pair) { (names[pair[0]] = names[pair[0]] || []).push(pair[1]); });
    Array.prototype.forEach.call(form.elements, function (element) {
      var values = names[element.name];
      if (!values || element.type === "file" || element.name === "csrfmiddlewaretoken") return;
      if (element.type === "checkbox" || element.type === "radio") {
        element.checked = values.indexOf(element.value) >= 0;
      } else {
        element.value = values[0];
      }
    });
    (draft.photos || []).forEach(function (pair) {
      var input = form.elements[pair[0]];
      if (!input || !window.DataTransfer) return;
      var files = new DataTransfer();
      files.items.add(new File([blob(pair[1])], "photo.jpg", { type: "image/jpeg" }));
      input.files = files.files;
    });
    // A key already recorded with other answers cannot be used again.
    if (draft.refused && draft.refused.status === 409) form.elements.client_key.value = newKey();
  }

  function unmark(draft) {
    delete draft.correcting;
    return draft;
  }

  function open(key) {
    var draft = drafts().filter(function (other) { return keyOf(other) === key; })[0];
    if (!draft) return;
    var here = new URL(form.action || window.location.href, window.location.href).pathname;
    if (new URL(draft.action, window.location.href).pathname !== here) {
      window.location.href = draft.action + "#draft=" + encodeURIComponent(key);
      return;
    }
    fill(draft);
    // Kept, marked, until the corrected response is recorded: a reload loses nothing.
    if (correcting && correcting !== key) update(correcting, unmark);
    correcting = key;
    update(key, function (kept) {
      kept.correcting = true;
      return kept;
    });
    show(false);
    form.scrollIntoView();
  }

  list.addEventListener("click", function (event) {
    var target = event.target;
    if (!target.dataset || !target.dataset.action) return;
    if (target.dataset.action === "open") open(target.dataset.key);
    if (target.dataset.action === "discard") {
      if (correcting === target.dataset.key) correcting = null;
      remove(target.dataset.key);
      show(false);
    }
  });
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    keep().then(function (draft) {
      show(false);
      return navigator.onLine ? sendAll(draft) : null;
    });
  });
  window.addEventListener("online", function () { sendAll(); });
  window.addEventListener("offline", function () { show(false); });
  // A page opened again (after signing in again) tries the drafts a 403 held back; no draft is
  // in this new page's form yet.
  store(drafts().map(function (draft) {
    if (draft.refused && draft.refused.status === 403) delete draft.refused;
    return unmark(draft);
  }));
  window.setInterval(function () {
    if (pending().length && navigator.onLine) sendAll();
  }, RETRY_MS);
  // A key of this page's own: a page kept for offline use (static/js/officers-offline.js) is
  // opened again and again with the key it was kept with, and two responses under one key would
  // replace each other on the phone (and the second be refused by the server).
  form.elements.client_key.value = newKey();
  var opened = /^#draft=(.+)$/.exec(window.location.hash);
  if (opened) open(decodeURIComponent(opened[1]));
  show(false);
  if (navigator.onLine) sendAll();
})();

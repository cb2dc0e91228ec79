/* The needs survey offline: a response sent without a connection is kept on the phone
 * (localStorage) with its client key, its photos shrunk to at most 1200 px (JPEG, quality 0.7),
 * the sync state shows how many wait, and they are sent when the connection returns. The server
 * records a client key once, so a send repeated after a lost answer creates nothing new.
 * Without this script the form posts as a plain form (the server compresses the photos). */
(function () {
  "use strict";
  var KEY = "officers.survey.drafts";
  var MAX_SIDE = 1200;
  var form = document.getElementById("survey-form");
  var state = document.getElementById("sync-state");
  if (!form || !state || !window.localStorage || !window.fetch || !window.FormData) return;
  var sending = false;

  function drafts() {
    try { return JSON.parse(localStorage.getItem(KEY)) || []; } catch (e) { return []; }
  }
  function store(list) { localStorage.setItem(KEY, JSON.stringify(list)); }

  function show(sent) {
    var waiting = drafts().length;
    if (waiting) {
      state.textContent = state.dataset.pending.replace("{n}", waiting) +
        (navigator.onLine ? "" : " " + state.dataset.offline);
      state.className = "sync-state pending";
      state.hidden = false;
    } else if (sent) {
      state.textContent = state.dataset.sent;
      state.className = "sync-state sent";
      state.hidden = false;
    }
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
      var list = drafts();
      try {
        store(list.concat([draft]));
      } catch (full) {  // no room left on the phone for the photos: keep the answers
        draft.photos = [];
        store(list.concat([draft]));
        if (photos.length) window.alert(state.dataset.noPhoto);
      }
      form.reset();
      form.elements.client_key.value = newKey();
    });
  }

  function keyOf(draft) {
    var found = draft.fields.filter(function (pair) { return pair[0] === "client_key"; })[0];
    return found ? found[1] : "";
  }

  function sendAll() {
    if (sending || !navigator.onLine || !drafts().length) return;
    sending = true;
    var draft = drafts()[0];
    var body = new FormData();
    // The token of this page, not the one stored with the draft: signing in again changes it.
    var token = form.elements.csrfmiddlewaretoken.value;
    draft.fields.forEach(function (pair) {
      body.append(pair[0], pair[0] === "csrfmiddlewaretoken" ? token : pair[1]);
    });
    (draft.photos || []).forEach(function (pair) { body.append(pair[0], blob(pair[1]), "photo.jpg"); });
    fetch(draft.action, {
      method: "POST",
      body: body,
      credentials: "same-origin",
      redirect: "manual",
      headers: { Accept: "application/json", "X-CSRFToken": token }
    }).then(function (response) {
      // Recorded (or recorded before) only when the server says so in JSON: a redirect (to the
      // sign-in page, the session having ended) or any other answer leaves the draft on the phone.
      var json = response.ok && (response.headers.get("Content-Type") || "").indexOf("application/json") === 0;
      return (json ? response.json() : Promise.resolve(null)).then(function (data) {
        var sent = Boolean(data && data.response);
        if (sent) {
          store(drafts().filter(function (other) { return keyOf(other) !== keyOf(draft); }));
        }
        sending = false;
        show(sent);
        if (sent && drafts().length) sendAll();
      });
    }).catch(function () {
      sending = false;
      show(false);
    });
  }

  form.addEventListener("submit", function (event) {
    if (navigator.onLine) return;
    event.preventDefault();
    keep().then(function () { show(false); });
  });
  window.addEventListener("online", sendAll);
  window.addEventListener("offline", function () { show(false); });
  show(false);
  sendAll();
})();

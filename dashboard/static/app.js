// kubectl openova dashboard: the little script the pages need besides htmx.
//  - every htmx request carries the per-run CSRF token (from <meta name="csrf-token">);
//  - one EventSource per tab listens to /events; each "update" (the watch saw a change)
//    triggers "refresh" on <body>, and the live parts of the page (hx-trigger="refresh
//    from:body") re-render from the dashboard's cache: no reload, no polling.
(function () {
  "use strict";
  var meta = document.querySelector('meta[name="csrf-token"]');
  var csrf = meta ? meta.getAttribute("content") : "";
  document.body.addEventListener("htmx:configRequest", function (e) {
    e.detail.headers["X-CSRF-Token"] = csrf;
  });
  var status = document.getElementById("live-status");
  function say(text, state) {
    if (!status) return;
    status.textContent = text;
    status.setAttribute("data-state", state);
  }
  // The live part (#live) carries the watch's revision it was rendered at
  // (data-revision); "latest" is the newest revision the stream announced (also kept in
  // <body data-revision> for tests). htmx alone loses updates: one that arrives while the
  // live part's request is in flight is queued on the element that the swap then removes
  // (htmx drops its queue), and one that arrives between the swap and the settle finds no
  // listener (the new element is not processed yet). So after every settle of the live
  // part, a page still behind the stream refreshes again: the last update of a burst is
  // always shown.
  var latest = Number(document.body.getAttribute("data-revision")) || 0;
  function shown() {
    var live = document.getElementById("live");
    var r = live && live.getAttribute("data-revision");
    return r === null || r === undefined ? null : Number(r);
  }
  var caughtUpFrom = null;
  function catchUp() {
    var s = shown();
    // (a re-render that made no progress is not retried at once: no loop against a
    // dashboard that answers with an older revision; the next update tries again)
    if (s === null || s >= latest || s === caughtUpFrom) return;
    caughtUpFrom = s;
    htmx.trigger(document.body, "refresh");
  }
  function announced(rev) {
    latest = Number(rev) || 0;
    caughtUpFrom = null;
    document.body.setAttribute("data-revision", String(latest));
  }
  document.body.addEventListener("htmx:afterSettle", function (e) {
    if (e.target && e.target.id === "live") catchUp();
  });
  if (window.EventSource) {
    var es = new EventSource("/events");
    es.addEventListener("hello", function (e) {
      say("Live", "live");
      // A change between rendering this page and opening the stream has no "update" of
      // its own: catch up at once. (A stream of a restarted server counts from 0 again.)
      var before = shown();
      if (before === null) before = latest;
      announced(e.data);
      if (before !== latest) htmx.trigger(document.body, "refresh");
    });
    es.addEventListener("update", function (e) {
      say("Live", "live");
      announced(e.data);
      var s = shown();
      if (s === null || s < latest) htmx.trigger(document.body, "refresh");
    });
    es.onerror = function () { say("Reconnecting…", "down"); };
  }
  // A live re-render must not throw away what the user is typing: an input of a live part
  // that the user changed keeps its value across the swap, and the focused one its focus.
  // A submit starts afresh (the page that answers it shows the new state).
  var typed = {};
  document.body.addEventListener("input", function (e) {
    var el = e.target;
    if (!el.id || !el.closest("#live")) return;
    typed[el.id] = el.type === "checkbox" || el.type === "radio" ? { checked: el.checked } : { value: el.value };
  });
  document.body.addEventListener("submit", function () { typed = {}; });
  var focused = null;
  document.body.addEventListener("htmx:beforeSwap", function () {
    var a = document.activeElement;
    focused = a && a.id && a.closest("#live") ? a.id : null;
  });
  document.body.addEventListener("htmx:afterSwap", function () {
    Object.keys(typed).forEach(function (id) {
      var el = document.getElementById(id);
      if (!el) return;
      if ("checked" in typed[id]) el.checked = typed[id].checked; else el.value = typed[id].value;
    });
    var f = focused && document.getElementById(focused);
    if (f && typeof f.focus === "function") f.focus();
    focused = null;
  });
  // The install dialog is rendered open (it works without script); with script it becomes
  // modal (focus stays in it), and closing it (Escape) goes back to the Components page.
  var dlg = document.querySelector("dialog[data-open]");
  if (dlg && typeof dlg.showModal === "function") {
    dlg.removeAttribute("open"); // rendered open for pages without script; now modal
    dlg.showModal();
    dlg.addEventListener("close", function () {
      var to = dlg.getAttribute("data-close");
      if (to) window.location.assign(to);
    });
  }
})();

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
  if (window.EventSource) {
    var es = new EventSource("/events");
    es.addEventListener("hello", function (e) {
      say("Live", "live");
      // A change between rendering this page and opening the stream has no "update" of
      // its own: catch up at once.
      if (e.data !== document.body.getAttribute("data-revision")) {
        document.body.setAttribute("data-revision", e.data);
        htmx.trigger(document.body, "refresh");
      }
    });
    es.addEventListener("update", function (e) {
      say("Live", "live");
      document.body.setAttribute("data-revision", e.data);
      htmx.trigger(document.body, "refresh");
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

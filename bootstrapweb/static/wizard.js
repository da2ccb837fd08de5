// kubectl openova bootstrap --web: what the wizard's pages need besides the dashboard's
// app.js (CSRF header, the event stream, live re-renders that keep what was typed):
//  - a live re-render keeps the output panels the user unfolded (or folded) as they were;
//  - the elapsed time of a running bootstrap ticks every second.
(function () {
  "use strict";
  var open = {};
  document.body.addEventListener("toggle", function (e) {
    var d = e.target;
    if (d.tagName === "DETAILS" && d.id) open[d.id] = d.open;
  }, true);
  document.body.addEventListener("htmx:afterSwap", function () {
    Object.keys(open).forEach(function (id) {
      var d = document.getElementById(id);
      if (d && d.open !== open[id]) d.open = open[id];
    });
  });
  function fmt(ms) {
    var s = Math.floor(ms / 1000), h = Math.floor(s / 3600), m = Math.floor(s % 3600 / 60);
    s = s % 60;
    return (h ? h + "h" : "") + (h || m ? m + "m" : "") + s + "s";
  }
  setInterval(function () {
    var el = document.getElementById("elapsed");
    var since = el && el.getAttribute("data-since");
    if (since) el.textContent = fmt(Date.now() - Number(since));
  }, 1000);
})();

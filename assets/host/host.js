// The host page: trades the one-time launch nonce in the URL's fragment for
// the per-run token (kept in memory only), fetches the widget configuration
// with it, starts the widget, and relays every widget event back to QEX
// Companion. It runs before the widget script so the nonce is spent at once.
(function () {
  "use strict";
  var mode = document.querySelector('meta[name="qex-host-mode"]').content;
  var status = document.getElementById("host-status");
  var openAgain = "This page's link was already used or has expired: open the widget from QEX Companion again.";

  var launch = new URLSearchParams(location.hash.slice(1)).get("launch");
  // The nonce leaves the address bar and this tab's history; a reload
  // cannot spend it again.
  history.replaceState(null, "", location.pathname);
  var token = launch ? fetch("/launch", {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ launch: launch }),
    cache: "no-store"
  }).then(function (r) {
    if (!r.ok) { throw new Error(openAgain); }
    return r.json();
  }).then(function (j) { return j.token; }) : Promise.reject(new Error(openAgain));
  token.catch(function () {}); // each use below reports the failure itself

  // Events are posted one after another, never side by side, so the app
  // receives them in the order the widget emitted them.
  var relayed = Promise.resolve();
  function relay(name, data) {
    var body = JSON.stringify({ event: name, data: data === undefined ? null : data });
    relayed = relayed.then(function () { return token; }).then(function (t) {
      return fetch("/events", {
        method: "POST",
        headers: { "Authorization": "Bearer " + t, "Content-Type": "application/json" },
        body: body
      });
    }).catch(function () { status.textContent = "QEX Companion no longer answers: events are not relayed."; });
    return relayed;
  }

  function fetchConfig() {
    return token.then(function (t) {
      return fetch("/config", { headers: { "Authorization": "Bearer " + t }, cache: "no-store" });
    }).then(function (r) {
      if (!r.ok) { throw new Error(r.status === 403 ? openAgain : "the configuration could not be fetched (HTTP " + r.status + ")"); }
      return r.json();
    });
  }

  if (mode === "hosted") {
    // The hosted-page variant mobile webviews use: the app calls these.
    var listeners = [];
    window.onWidgetEvent = function (cb) { listeners.push(cb); };
    window.initializeWidget = function (config) {
      var api = new window.LiquidQex.QexWidgetApi(document.getElementById("qex-widget"));
      api.onEvent(function (e) {
        relay(e.event, e.data);
        listeners.forEach(function (cb) { cb(e); });
      });
      api.init(config);
      status.textContent = "Widget initialised by the hosting app.";
    };
    token.then(function () {
      status.textContent = "Waiting for the app to call window.initializeWidget(config).";
    }, function (err) { status.textContent = err.message; });
    return;
  }

  // The widget script, after this one, has run (or failed) by now.
  document.addEventListener("DOMContentLoaded", function () {
    if (!window.LiquidQex || !window.LiquidQex.QexWidgetApi) {
      status.textContent = "The widget script did not load.";
      relay("ERROR", { code: "SCRIPT_NOT_LOADED", message: "the widget script did not load" });
      return;
    }
    var widgetOrigin = new URL(document.querySelector('script[src*="liquid-qex-widget"]').src).origin;
    fetchConfig().then(function (config) {
      var api = new window.LiquidQex.QexWidgetApi(document.getElementById("qex-widget"));
      if (typeof api.onEvent === "function") {
        api.onEvent(function (e) { relay(e.event, e.data); });
      } else {
        // The production widget draws an iframe that posts {event, data}.
        window.addEventListener("message", function (m) {
          if (m.origin === widgetOrigin && m.data && typeof m.data.event === "string") { relay(m.data.event, m.data.data); }
        });
      }
      api.onStepTransition(function (t) { status.textContent = "Step: " + (t.old_step || "start") + " → " + t.new_step; });
      api.onSuccess(function () { status.textContent = "Success."; });
      api.onError(function () { status.textContent = "The widget reported an error."; });
      api.init(config);
    }).catch(function (err) {
      status.textContent = err.message;
      if (err.message !== openAgain) { relay("ERROR", { code: "HOST_CONFIG", message: err.message }); }
    });
  });
})();

// The host page: trades the one-time launch nonce in the URL's fragment for
// the per-run token (kept in memory only), fetches the widget configuration
// with it, starts the widget, and relays every widget event back to QEX
// Companion. It runs before the widget script so the nonce is spent at once.
(function () {
  "use strict";
  var mode = document.querySelector('meta[name="qex-host-mode"]').content;
  var status = document.getElementById("host-status");
  var openAgain = "This page's link was already used or has expired: open the widget from QEX Companion again.";

  // The status line speaks the browser's language; what is relayed to the
  // app (an ERROR event's message) stays English.
  var JAPANESE = {
    "This page's link was already used or has expired: open the widget from QEX Companion again.": "このページのリンクは使用済みか期限切れです。QEX Companionからもう一度ウィジェットを開いてください。",
    "QEX Companion no longer answers: events are not relayed.": "QEX Companionが応答しません。イベントは中継されません。",
    "Widget initialised by the hosting app.": "ホストアプリがウィジェットを初期化しました。",
    "Waiting for the app to call window.initializeWidget(config).": "アプリがwindow.initializeWidget(config)を呼ぶのを待っています。",
    "The widget script did not load.": "ウィジェットのスクリプトを読み込めませんでした。",
    "Step: ": "ステップ：",
    "start": "開始",
    "Success.": "成功しました。",
    "The widget reported an error.": "ウィジェットがエラーを報告しました。"
  };
  var japanese = /^ja(\b|[-_])/i.test((navigator.languages && navigator.languages[0]) || navigator.language || "");
  function say(english) { return (japanese && JAPANESE[english]) || english; }

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
    }).catch(function () { status.textContent = say("QEX Companion no longer answers: events are not relayed."); });
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
      status.textContent = say("Widget initialised by the hosting app.");
    };
    token.then(function () {
      status.textContent = say("Waiting for the app to call window.initializeWidget(config).");
    }, function (err) { status.textContent = say(err.message); });
    return;
  }

  // The widget script, after this one, has run (or failed) by now.
  document.addEventListener("DOMContentLoaded", function () {
    if (!window.LiquidQex || !window.LiquidQex.QexWidgetApi) {
      status.textContent = say("The widget script did not load.");
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
      api.onStepTransition(function (t) { status.textContent = say("Step: ") + (t.old_step || say("start")) + " → " + t.new_step; });
      api.onSuccess(function () { status.textContent = say("Success."); });
      api.onError(function () { status.textContent = say("The widget reported an error."); });
      api.init(config);
    }).catch(function (err) {
      status.textContent = say(err.message);
      if (err.message !== openAgain) { relay("ERROR", { code: "HOST_CONFIG", message: err.message }); }
    });
  });
})();

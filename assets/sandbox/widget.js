/*
 * The QEX Companion sandbox's stand-in for the Liquid QEX widget
 * (liquid-qex-widget/index.umd.js). It defines window.LiquidQex.QexWidgetApi,
 * renders a quote form from the configuration, walks quoting → funding →
 * verifying → success (or failure → outcome) with the sandbox test cards, and
 * emits the documented events: step_transition, ui_event,
 * transaction_created, suggested_size and ERROR.
 * Test cards: 4242 4242 4242 4242 approves; 4000 0000 0000 0002 is declined.
 * A quote lasts QUOTE_VALIDITY_MS once the user continues to funding (0:
 * for ever; the sandbox's quote-expired scenario sets it): when it runs out
 * the widget says so, goes back to quoting and requotes.
 */
(function (global) {
  "use strict";
  var script = document.currentScript;
  var API = script ? new URL(script.src).origin : "";
  var QUOTE_VALIDITY_MS = 0; // set by the sandbox when it serves this file
  var PERCENT = { quoting: 25, funding: 50, verifying: 75, success: 100, failure: 100, outcome: 100, loading: 0 };
  var STYLE_TARGETS = {
    "cs-base": ".qx", "cs-subtext": ".qx-sub", "cs-special": ".qx-special", "cs-error": ".qx-error",
    "cs-button": ".qx-button", "cs-select": ".qx-select", "cs-interactive": ".qx-input", "cs-highlight": ".qx-highlight"
  };

  // The widget's words in Japanese, by their English. The widget speaks
  // the configuration's user_locale, or without one the browser's language.
  var JAPANESE = {
    "Quick Exchange · sandbox": "Quick Exchange · サンドボックス",
    "Signed in as %s": "%s としてサインイン中",
    "Guest checkout": "ゲストとして購入",
    "%s (set by the partner)": "%s（パートナーが設定）",
    "Amount": "金額",
    "You receive": "受け取る額",
    "You pay": "支払う額",
    "Continue": "続ける",
    "Card number (sandbox: 4242 4242 4242 4242)": "カード番号（サンドボックス：4242 4242 4242 4242）",
    "Pay": "支払う",
    "Verifying the payment…": "支払いを確認しています…",
    "Payment complete. Transaction %s.": "支払いが完了しました。取引 %s",
    "The payment failed: the card was declined.": "支払いに失敗しました：カードが拒否されました。",
    "The quote expired after %s s: here is a new one.": "見積もりは%s秒で期限切れになりました。新しい見積もりです。",
    "Quote valid for %s s": "見積もりの有効期間：あと%s秒"
  };

  function el(tag, cls, text) {
    var n = document.createElement(tag);
    if (cls) { n.className = cls; }
    if (text !== undefined) { n.textContent = text; }
    return n;
  }

  function post(path, body) {
    return fetch(API + path, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) })
      .then(function (r) {
        return r.json().then(function (env) {
          if (!r.ok || !env.success) { throw new Error(env.message || ("HTTP " + r.status)); }
          return env.payload;
        });
      });
  }

  function QexWidgetApi(element) {
    if (!element) { throw new Error("QexWidgetApi needs an element to draw in"); }
    this.el = element;
    this.handlers = { success: [], error: [], step: [], event: [] };
    this.step = null;
    this.user = null;
    this.problem = null;
  }

  QexWidgetApi.prototype.onSuccess = function (cb) { this.handlers.success.push(cb); return this; };
  QexWidgetApi.prototype.onError = function (cb) { this.handlers.error.push(cb); return this; };
  QexWidgetApi.prototype.onStepTransition = function (cb) { this.handlers.step.push(cb); return this; };
  QexWidgetApi.prototype.onEvent = function (cb) { this.handlers.event.push(cb); return this; };

  QexWidgetApi.prototype.emit = function (name, data) {
    var e = { event: name, data: data };
    this.handlers.event.forEach(function (cb) { cb(e); });
    if (name === "step_transition") { this.handlers.step.forEach(function (cb) { cb(data); }); }
  };

  QexWidgetApi.prototype.go = function (next, meta) {
    var old = this.step;
    this.step = next;
    if (next === "funding") { this.startQuote(); } else { this.stopQuote(); }
    this.render();
    this.emit("step_transition", { new_step: next, old_step: old, formPercent: PERCENT[next], meta: meta === undefined ? null : meta });
    this.emit("suggested_size", { backgroundHeight: this.el.scrollHeight, overflowHeight: 0 });
  };

  // startQuote starts the validity of the quote the user continued with.
  QexWidgetApi.prototype.startQuote = function () {
    var self = this;
    this.stopQuote();
    if (!QUOTE_VALIDITY_MS) { return; }
    this.quoteEnds = Date.now() + QUOTE_VALIDITY_MS;
    this.quoteTimer = setInterval(function () {
      if (Date.now() < self.quoteEnds) { self.showValidity(); return; }
      // Expired Quote Handling: say so, back to quoting, and a new quote.
      self.notice = self.t("The quote expired after %s s: here is a new one.", Math.round(QUOTE_VALIDITY_MS / 1000));
      self.go("quoting");
      self.go("funding");
    }, 250);
  };

  QexWidgetApi.prototype.stopQuote = function () {
    if (this.quoteTimer) { clearInterval(this.quoteTimer); this.quoteTimer = null; }
  };

  QexWidgetApi.prototype.showValidity = function () {
    var v = this.el.querySelector("#qx-validity");
    if (v) { v.textContent = this.t("Quote valid for %s s", Math.max(0, Math.ceil((this.quoteEnds - Date.now()) / 1000))); }
  };

  QexWidgetApi.prototype.fail = function (code, message, context) {
    var errors = [{ severity: "error", code: code, message: message, context: context, trigger: context }];
    this.problem = message;
    this.render();
    this.emit("ERROR", { code: code, message: message, context: context });
    this.handlers.error.forEach(function (cb) { cb(errors); });
    return errors;
  };

  QexWidgetApi.prototype.init = function (config) {
    var self = this;
    this.config = config || {};
    this.go("quoting");
    var id = this.config.identity;
    if (id && id.user_session) {
      post("/api/v1/widget/identity", {
        public_api_key: this.config.public_api_key,
        session_id: id.user_session.session_id,
        session_secret: id.user_session.session_secret
      }).then(function (p) { self.user = p.user; self.render(); })
        .catch(function (err) { self.fail("IDENTITY_INVALID", "The session cannot be used: " + err.message, "identity"); });
    }
    return this;
  };
  QexWidgetApi.prototype.initialize = QexWidgetApi.prototype.init; // the npm package's spelling

  // t is english in the widget's language, %s replaced by value.
  QexWidgetApi.prototype.t = function (english, value) {
    var locale = (this.config && this.config.user_locale) || (navigator.languages && navigator.languages[0]) || navigator.language || "";
    var text = /^ja(\b|[-_])/i.test(locale) && JAPANESE[english] ? JAPANESE[english] : english;
    return value === undefined ? text : text.replace("%s", value);
  };

  QexWidgetApi.prototype.side = function (name) {
    var c = this.config, locked = c[name + "_settlement"], def = c[name + "_default"] || {};
    var s = locked || def;
    return { locked: !!locked, method: s.method || (name === "funding" ? "CARD_PAYMENT" : "LIQUID_WALLET"),
      currency: s.currency || (name === "funding" ? "USD" : "BTC"), quantity: s.quantity === undefined ? "" : String(s.quantity),
      options: def.currency_options || [] };
  };

  QexWidgetApi.prototype.click = function (value, target, then) {
    this.emit("ui_event", { ui_event: "button_clicked", value: value, target: target });
    then.call(this);
  };

  QexWidgetApi.prototype.pay = function () {
    var self = this, funding = this.side("funding"), payout = this.side("payout");
    var id = this.config.identity && this.config.identity.user_session;
    var card = (this.el.querySelector("#qx-card") || {}).value || "";
    post("/api/v1/widget/transactions", {
      public_api_key: this.config.public_api_key,
      session_id: id ? id.session_id : "", session_secret: id ? id.session_secret : "",
      funding: { method: funding.method, currency: funding.currency, quantity: this.quantity || funding.quantity || "100" },
      payout: { method: payout.method, currency: payout.currency },
      partner_order_id: this.config.partner_order_id || "",
      card_number: card.replace(/\s+/g, "")
    }).then(function (tx) {
      self.tx = tx;
      self.emit("transaction_created", tx);
      self.go("verifying", tx);
      setTimeout(function () {
        if (tx.status === "SETTLED") {
          self.go("success", tx);
          self.handlers.success.forEach(function (cb) { cb(tx); });
          return;
        }
        var errors = [{ severity: "error", code: "CARD_DECLINED", message: "The card was declined by the issuer.", context: "funding", trigger: "CARD_PAYMENT" }];
        self.go("failure", errors);
        self.handlers.error.forEach(function (cb) { cb(errors); });
        setTimeout(function () { self.go("outcome", tx); }, 150);
      }, 150);
    }).catch(function (err) { self.fail("TRANSACTION_REFUSED", err.message, "funding"); });
  };

  QexWidgetApi.prototype.render = function () {
    var self = this, root = el("div", "qx");
    root.style.cssText = "font:15px/1.5 system-ui,sans-serif;border:1px solid #d9dee8;border-radius:12px;padding:16px;background:#fff;color:#14213d;min-height:480px;box-sizing:border-box";
    root.appendChild(el("div", "qx-highlight", this.t("Quick Exchange · sandbox")));
    root.appendChild(el("div", "qx-sub", this.user ? this.t("Signed in as %s", this.user.name) : this.t("Guest checkout")));
    var funding = this.side("funding"), payout = this.side("payout");
    function row(label, side, name) {
      var r = el("label", "qx-row");
      r.style.cssText = "display:block;margin:12px 0";
      r.appendChild(el("div", "qx-sub", side.locked ? self.t("%s (set by the partner)", label) : label));
      var q = el("input", "qx-input");
      q.id = "qx-" + name + "-quantity";
      q.value = side.quantity;
      q.placeholder = self.t(name === "funding" ? "Amount" : "You receive");
      q.disabled = side.locked || name === "payout" || self.step !== "quoting";
      q.addEventListener("input", function () { self.quantity = q.value; });
      var c = el("select", "qx-select");
      c.id = "qx-" + name + "-currency";
      (side.options.length ? side.options : [side.currency]).forEach(function (o) { var opt = el("option", "", o); opt.value = o; c.appendChild(opt); });
      c.value = side.currency;
      c.disabled = side.locked || self.step !== "quoting";
      r.appendChild(q);
      r.appendChild(c);
      return r;
    }
    function button(text, value, target, action) {
      var b = el("button", "qx-button", text);
      b.type = "button";
      b.setAttribute("data-qx", value);
      b.style.cssText = "margin-top:12px;padding:8px 16px;border-radius:8px;border:0;background:#1652f0;color:#fff;font-weight:600";
      b.addEventListener("click", function () { self.click(value, target, action); });
      return b;
    }
    if (this.step === "quoting" || this.step === "funding") {
      root.appendChild(row(this.t("You pay"), funding, "funding"));
      root.appendChild(row(this.t("You receive"), payout, "payout"));
    }
    if (this.step === "quoting") {
      root.appendChild(button(this.t("Continue"), "continue", "quote", function () { this.go("funding"); }));
    } else if (this.step === "funding") {
      var card = el("input", "qx-input");
      card.id = "qx-card";
      card.placeholder = this.t("Card number (sandbox: 4242 4242 4242 4242)");
      card.autocomplete = "off";
      root.appendChild(card);
      if (QUOTE_VALIDITY_MS) { root.appendChild(el("p", "qx-sub", "")).id = "qx-validity"; }
      if (this.notice) { root.appendChild(el("p", "qx-error", this.notice)); }
      root.appendChild(button(this.t("Pay"), "pay", "funding", function () { this.pay(); }));
    } else if (this.step === "verifying") {
      root.appendChild(el("p", "qx-special", this.t("Verifying the payment…")));
    } else if (this.step === "success") {
      root.appendChild(el("p", "qx-special", this.t("Payment complete. Transaction %s.", this.tx.transaction_id)));
    } else if (this.step === "failure" || this.step === "outcome") {
      root.appendChild(el("p", "qx-error", this.t("The payment failed: the card was declined.")));
    }
    if (this.problem) { root.appendChild(el("p", "qx-error", this.problem)); }
    var styles = this.config && this.config.custom_styles || {};
    Object.keys(styles).forEach(function (key) {
      var sel = STYLE_TARGETS[key];
      if (!sel) { return; }
      var nodes = [root].concat(Array.prototype.slice.call(root.querySelectorAll(sel))).filter(function (n) { return n.matches(sel); });
      nodes.forEach(function (n) { Object.keys(styles[key]).forEach(function (p) { n.style.setProperty(p, styles[key][p]); }); });
    });
    this.el.replaceChildren(root);
    if (this.step === "funding" && QUOTE_VALIDITY_MS) { this.showValidity(); }
  };

  global.LiquidQex = { QexWidgetApi: QexWidgetApi };
})(window);

package qex

import (
	"bytes"
	"crypto/subtle"
	"encoding/json"
	"fmt"
	"math/big"
	"net/http"
	"strings"

	"github.com/qexcompanion/qex-companion/assets"
	"github.com/qexcompanion/qex-companion/internal/randid"
	"github.com/qexcompanion/qex-companion/internal/sandbox/scenario"
)

// The sandbox serves its own widget, where the real one lived, and the two
// calls it makes: identity checks and test-card transactions. These are the
// sandbox's, not documented partner API.

var widgetJS = must(assets.FS.ReadFile("sandbox/widget.js"))

func must(b []byte, err error) []byte {
	if err != nil {
		panic(err) // embedded at build time: only a build mistake gets here
	}
	return b
}

// Sandbox test cards.
const (
	CardApproved = "4242424242424242"
	CardDeclined = "4000000000000002"
)

func (s *Server) widgetRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET /static/liquid-qex-widget/index.umd.js", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/javascript; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		w.Write(s.widgetScript()) //nolint:errcheck // the browser went away
	})
	mux.HandleFunc("/api/v1/widget/identity", cors(s.widgetIdentity))
	mux.HandleFunc("/api/v1/widget/transactions", cors(s.widgetTransaction))
}

// quoteValidityLine is where the widget script learns how long a quote
// lasts (0: for ever).
var quoteValidityLine = []byte("var QUOTE_VALIDITY_MS = 0;")

// widgetScript is the widget, with quotes that run out in the
// quote-expired scenario.
func (s *Server) widgetScript() []byte {
	if s.scenarios.Active() != scenario.QuoteExpired {
		return widgetJS
	}
	return bytes.Replace(widgetJS, quoteValidityLine, fmt.Appendf(nil, "var QUOTE_VALIDITY_MS = %d;", scenario.QuoteValidity.Milliseconds()), 1)
}

// cors lets the widget, running on any partner page, call the sandbox. No
// credentials are involved: the session secret travels in the body.
func cors(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Access-Control-Allow-Origin", "*")
		w.Header().Set("Access-Control-Allow-Methods", "POST")
		w.Header().Set("Access-Control-Allow-Headers", "Content-Type")
		if r.Method == http.MethodOptions {
			w.WriteHeader(http.StatusNoContent)
			return
		}
		only(http.MethodPost, h)(w, r)
	}
}

type widgetRequest struct {
	PublicAPIKey  string `json:"public_api_key"`
	SessionID     string `json:"session_id"`
	SessionSecret string `json:"session_secret"`
	Funding       struct {
		Method   string      `json:"method"`
		Currency string      `json:"currency"`
		Quantity json.Number `json:"quantity"`
	} `json:"funding"`
	Payout struct {
		Method   string `json:"method"`
		Currency string `json:"currency"`
	} `json:"payout"`
	PartnerOrderID string `json:"partner_order_id"`
	CardNumber     string `json:"card_number"`
}

func readWidgetRequest(w http.ResponseWriter, r *http.Request) (widgetRequest, bool) {
	var req widgetRequest
	r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		fail(w, http.StatusBadRequest, "The body must be JSON.")
		return req, false
	}
	if status, msg := checkPublicKey(req.PublicAPIKey); status != 0 {
		fail(w, status, msg)
		return req, false
	}
	return req, true
}

// widgetSession checks the identity the widget was given; "" when fine.
func (s *Server) widgetSession(req widgetRequest) (int, string) {
	sess, reason := s.lookup(req.SessionID)
	if sess == nil {
		return http.StatusNotFound, reason
	}
	s.mu.Lock()
	approved := sess.approved
	s.mu.Unlock()
	switch {
	case subtle.ConstantTimeCompare([]byte(req.SessionSecret), []byte(sess.secret)) != 1:
		return http.StatusUnauthorized, "The session secret does not match the session."
	case !approved:
		return http.StatusUnauthorized, "The session has not been approved by the user."
	}
	return 0, ""
}

func (s *Server) widgetIdentity(w http.ResponseWriter, r *http.Request) {
	req, valid := readWidgetRequest(w, r)
	if !valid {
		return
	}
	if status, msg := s.widgetSession(req); status != 0 {
		fail(w, status, msg)
		return
	}
	ok(w, "", map[string]any{"user": map[string]any{"name": sandboxUser.Name, "email": sandboxUser.Email, "liquid_user_id": sandboxUser.ID}})
}

// usdPrice is what one unit costs in the sandbox's make-believe market.
var usdPrice = map[string]string{"BTC": "60000", "ETH": "3000", "USDT": "1", "XRP": "0.5", "QASH": "0.05", "USD": "1", "EUR": "1.08", "JPY": "0.0067"}

func (s *Server) widgetTransaction(w http.ResponseWriter, r *http.Request) {
	req, valid := readWidgetRequest(w, r)
	if !valid {
		return
	}
	if req.SessionID != "" {
		if status, msg := s.widgetSession(req); status != 0 {
			fail(w, status, msg)
			return
		}
	}
	status := ""
	switch {
	case s.scenarios.Active() == scenario.CardDeclined: // any card
		status = "DECLINED"
	case req.CardNumber == CardApproved:
		status = "SETTLED"
	case req.CardNumber == CardDeclined:
		status = "DECLINED"
	default:
		fail(w, http.StatusUnprocessableEntity, "Use a sandbox test card: 4242 4242 4242 4242 (approved) or 4000 0000 0000 0002 (declined).")
		return
	}
	amount, okAmount := new(big.Rat).SetString(string(req.Funding.Quantity))
	payPrice, okPay := new(big.Rat).SetString(usdPrice[strings.ToUpper(req.Funding.Currency)])
	getPrice, okGet := new(big.Rat).SetString(usdPrice[strings.ToUpper(req.Payout.Currency)])
	if !okAmount || !okPay || !okGet || amount.Sign() <= 0 {
		fail(w, http.StatusUnprocessableEntity, "The sandbox quotes USD, EUR, JPY, BTC, ETH, USDT, XRP and QASH, for a positive amount.")
		return
	}
	payout := new(big.Rat).Quo(new(big.Rat).Mul(amount, payPrice), getPrice)
	id := randid.UUID4()
	quoteStatus := "ACCEPTED"
	if status != "SETTLED" {
		quoteStatus = "REJECTED"
	}
	ok(w, "", map[string]any{
		"transaction_id": id,
		"session_id":     req.SessionID,
		"status":         status,
		"funding_settlement": map[string]any{
			"method": req.Funding.Method, "currency": req.Funding.Currency, "quantity": amount.FloatString(2),
		},
		"payout_settlement": map[string]any{
			"method": req.Payout.Method, "currency": req.Payout.Currency, "quantity": payout.FloatString(8),
		},
		"quote":            map[string]any{"quote_id": randid.UUID4(), "status": quoteStatus},
		"partner_order_id": req.PartnerOrderID,
		"_links":           map[string]any{"self": map[string]string{"href": fmt.Sprintf("/api/v1/transactions/%s", id)}},
	})
}

package exchange

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
)

// apiError answers Peatio's {"error": {"code", "message"}}.
func apiError(w http.ResponseWriter, status, code int, message string) {
	writeJSON(w, status, map[string]any{"error": map[string]any{"code": code, "message": message}})
}

// tonceWindow is how far a tonce may be from the server's clock, in ms.
const tonceWindow = 30_000

// payload is what Peatio signs: METHOD|PATH|QUERY, QUERY being every
// parameter but signature sorted by name, k=v joined with '&'.
func payload(method, path string, params url.Values) string {
	names := make([]string, 0, len(params))
	for name := range params {
		if name != "signature" {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	var pairs []string
	for _, name := range names {
		for _, v := range params[name] {
			pairs = append(pairs, name+"="+v)
		}
	}
	return method + "|" + path + "|" + strings.Join(pairs, "&")
}

// signed authenticates an APIv2 call as Peatio does before next runs: the
// access key exists and is live (2008, 2010), the tonce is recent (2007)
// and newer than the key's last (2006), the signature matches (2005), and
// the key's scopes include scope (2011). A refused call uses up nothing.
func (s *Server) signed(scope string, next func(http.ResponseWriter, *http.Request, string)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet {
			w.Header().Set("Allow", http.MethodGet)
			apiError(w, http.StatusMethodNotAllowed, 1001, "use GET")
			return
		}
		q := r.URL.Query()
		access, sig := q.Get("access_key"), q.Get("signature")
		tonce, err := strconv.ParseInt(q.Get("tonce"), 10, 64)
		if access == "" || sig == "" || err != nil {
			apiError(w, http.StatusUnauthorized, 2001, "Authorization failed")
			return
		}
		id := tokenKey(access)
		now := s.now()
		s.mu.Lock()
		defer s.mu.Unlock()
		key := s.keys[id]
		switch {
		case key == nil:
			apiError(w, http.StatusUnauthorized, 2008, fmt.Sprintf("The access key %s does not exist.", access))
		case !now.Before(key.Expires):
			apiError(w, http.StatusUnauthorized, 2010, fmt.Sprintf("The access key %s has expired.", access))
		case tonce < now.UnixMilli()-tonceWindow || tonce > now.UnixMilli()+tonceWindow:
			apiError(w, http.StatusUnauthorized, 2007, fmt.Sprintf("The tonce %d is invalid, current timestamp is %d.", tonce, now.UnixMilli()))
		case tonce <= s.tonces[id]:
			apiError(w, http.StatusUnauthorized, 2006, fmt.Sprintf("The tonce %d has already been used by access key %s.", tonce, access))
		case !hmac.Equal([]byte(sig), []byte(sign(s.secretKey(access), payload(r.Method, r.URL.Path, q)))):
			apiError(w, http.StatusUnauthorized, 2005, fmt.Sprintf("The signature %s is incorrect.", sig))
		case !strings.Contains(" "+key.Scope+" ", " "+scope+" "):
			s.tonces[id] = tonce
			apiError(w, http.StatusUnauthorized, 2011, "Requested API is out of access key scopes.")
		default:
			s.tonces[id] = tonce
			next(w, r, key.Scope)
		}
	}
}

func sign(secret, payload string) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(payload))
	return hex.EncodeToString(mac.Sum(nil))
}

// markets serves GET /api/v2/markets: public, unsigned.
func (s *Server) markets(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet {
		w.Header().Set("Allow", http.MethodGet)
		apiError(w, http.StatusMethodNotAllowed, 1001, "use GET")
		return
	}
	writeJSON(w, http.StatusOK, []map[string]string{{"id": "btccny", "name": "BTC/CNY"}, {"id": "ethbtc", "name": "ETH/BTC"}})
}

// membersMe serves GET /api/v2/members/me (scope profile).
func (s *Server) membersMe(w http.ResponseWriter, _ *http.Request, _ string) {
	m := s.member
	writeJSON(w, http.StatusOK, map[string]any{"sn": m.SN, "name": m.Name, "email": m.Email, "activated": true, "accounts": m.Accounts})
}

// orders serves GET /api/v2/orders?market= (scope history): the member's
// one open order on btccny.
func (s *Server) orders(w http.ResponseWriter, r *http.Request, _ string) {
	market := r.URL.Query().Get("market")
	switch market {
	case "":
		apiError(w, http.StatusBadRequest, 1001, "market is missing")
	case "btccny":
		writeJSON(w, http.StatusOK, []map[string]any{{
			"id": 7, "side": "sell", "ord_type": "limit", "price": "41250.0", "avg_price": "0.0", "state": "wait", "market": "btccny",
			"created_at": "2024-11-14T13:25:39Z", "volume": "0.005", "remaining_volume": "0.005", "executed_volume": "0.0", "trades_count": 0,
		}})
	case "ethbtc":
		writeJSON(w, http.StatusOK, []any{})
	default:
		apiError(w, http.StatusBadRequest, 1001, "market does not have a valid value")
	}
}

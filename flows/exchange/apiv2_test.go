package exchange_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/qexcompanion/qex-companion/flows/exchange"
)

// The providers.md example, signed with the secret key "SK"; the expected
// values were computed with `openssl dgst -sha256 -hmac SK`.
func TestSignatureOfTheDocumentedExample(t *testing.T) {
	canonical := exchange.Canonical("GET", "/api/v2/members/me", url.Values{"tonce": {"1731590739955"}, "access_key": {"AK"}, "signature": {"ignored"}})
	if canonical != "GET|/api/v2/members/me|access_key=AK&tonce=1731590739955" {
		t.Errorf("canonical %q", canonical)
	}
	if got := exchange.Signature("SK", canonical); got != "c96c60d660f16a9ad8f4afaf03c5ebd02b1b7f5c4636b3add43dcd5d18e06d0d" {
		t.Errorf("signature %s", got)
	}
	sorted := exchange.Canonical("GET", "/api/v2/orders", url.Values{"tonce": {"1731590739955"}, "market": {"btccny"}, "limit": {"5"}, "access_key": {"AK"}})
	if got := exchange.Signature("SK", sorted); got != "851ea24c27d6884de483d819eea2ed059537fdb5c66df109d95f8aba36eeb378" {
		t.Errorf("signature of %q: %s", sorted, got)
	}
}

// peatio is a fake APIv2 written from seed 004 and providers.md: it
// verifies every signature and answers per access key.
type peatio struct {
	t      *testing.T
	srv    *httptest.Server
	mu     sync.Mutex
	hits   int
	tonces []int64
	// answer says what a call signed with access key gets: 0 for 200, or
	// an APIv2 error code.
	answer func(access string) int
}

var secrets = map[string]string{"AK1": "SK1", "AK2": "SK2"}

func newPeatio(t *testing.T, answer func(string) int) *peatio {
	p := &peatio{t: t, answer: answer}
	p.srv = httptest.NewServer(http.HandlerFunc(p.serve))
	t.Cleanup(p.srv.Close)
	return p
}

func (p *peatio) serve(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	var names []string
	for k := range q {
		if k != "signature" {
			names = append(names, k)
		}
	}
	sort.Strings(names)
	var pairs []string
	for _, k := range names {
		pairs = append(pairs, k+"="+q.Get(k))
	}
	mac := hmac.New(sha256.New, []byte(secrets[q.Get("access_key")]))
	mac.Write([]byte(r.Method + "|" + r.URL.Path + "|" + strings.Join(pairs, "&")))
	tonce, _ := strconv.ParseInt(q.Get("tonce"), 10, 64)
	p.mu.Lock()
	p.hits++
	p.tonces = append(p.tonces, tonce)
	p.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	if q.Get("signature") != hex.EncodeToString(mac.Sum(nil)) {
		w.WriteHeader(401)
		fmt.Fprint(w, `{"error": {"code": 2005, "message": "The signature is incorrect."}}`)
		return
	}
	if code := p.answer(q.Get("access_key")); code != 0 {
		w.WriteHeader(401)
		fmt.Fprintf(w, `{"error": {"code": %d, "message": "The access key %s has a problem."}}`, code, q.Get("access_key"))
		return
	}
	fmt.Fprint(w, `{"sn": "PEA1TIO", "name": "A", "email": "a@b.test", "accounts": [{"currency": "btc", "balance": "0.000000012345678901", "locked": "0.0"}]}`)
}

// keys is a Keys that renews AK1 to AK2, counting renewals.
type keys struct {
	mu      sync.Mutex
	current exchange.Key
	renewed int
}

func (k *keys) Current() exchange.Key { k.mu.Lock(); defer k.mu.Unlock(); return k.current }
func (k *keys) Renew(_ context.Context, expired exchange.Key) (exchange.Key, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.renewed++
	k.current = exchange.Key{Access: "AK2", Secret: "SK2"}
	return k.current, nil
}

func client(t *testing.T, base string, now func() time.Time) *exchange.Client {
	c, err := exchange.NewClient(base, http.DefaultClient, now)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestSignedQueryIsSortedAndVerifies(t *testing.T) {
	p := newPeatio(t, func(string) int { return 0 })
	c := client(t, p.srv.URL, time.Now)
	signed, err := c.Sign("GET", "/api/v2/orders?market=btccny&limit=5", exchange.Key{Access: "AK1", Secret: "SK1"})
	if err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse(signed)
	q := u.Query()
	if u.Path != "/api/v2/orders" || q.Get("market") != "btccny" || q.Get("limit") != "5" || q.Get("access_key") != "AK1" || len(q.Get("signature")) != 64 {
		t.Errorf("signed %s", signed)
	}
	if want := exchange.Signature("SK1", "GET|/api/v2/orders|access_key=AK1&limit=5&market=btccny&tonce="+q.Get("tonce")); q.Get("signature") != want {
		t.Errorf("signature %s, want %s", q.Get("signature"), want)
	}
	m, err := c.Me(context.Background(), &keys{current: exchange.Key{Access: "AK1", Secret: "SK1"}})
	if err != nil || m.SN != "PEA1TIO" || m.Accounts[0].Balance != "0.000000012345678901" {
		t.Errorf("me: %+v %v", m, err)
	}
}

func TestTonceStrictlyIncreasesPerKey(t *testing.T) {
	fixed := time.UnixMilli(1731590739955)
	now := fixed
	c := client(t, "http://127.0.0.1:1", func() time.Time { return now })
	tonceOf := func(access string) int64 {
		signed, err := c.Sign("GET", "/api/v2/members/me", exchange.Key{Access: access, Secret: "S"})
		if err != nil {
			t.Fatal(err)
		}
		u, _ := url.Parse(signed)
		n, _ := strconv.ParseInt(u.Query().Get("tonce"), 10, 64)
		return n
	}
	a1, a2 := tonceOf("tonce-key-a"), tonceOf("tonce-key-a")
	b1 := tonceOf("tonce-key-b")
	now = fixed.Add(-time.Second) // the clock steps back
	a3 := tonceOf("tonce-key-a")
	if a1 != fixed.UnixMilli() || a2 <= a1 || a3 <= a2 || b1 != fixed.UnixMilli() {
		t.Errorf("tonces a: %d %d %d, b: %d", a1, a2, a3, b1)
	}
}

func TestExpiredKeyIsRenewedAndRetriedOnce(t *testing.T) {
	p := newPeatio(t, func(access string) int {
		if access == "AK1" {
			return exchange.CodeKeyExpired
		}
		return 0
	})
	k := &keys{current: exchange.Key{Access: "AK1", Secret: "SK1"}}
	m, err := client(t, p.srv.URL, time.Now).Me(context.Background(), k)
	if err != nil || m.SN != "PEA1TIO" || k.renewed != 1 || p.hits != 2 {
		t.Errorf("me: %v; %d renewals, %d calls", err, k.renewed, p.hits)
	}

	// A broker that hands out keys that are expired too: one retry, no loop.
	always := newPeatio(t, func(string) int { return exchange.CodeKeyExpired })
	k = &keys{current: exchange.Key{Access: "AK1", Secret: "SK1"}}
	_, err = client(t, always.srv.URL, time.Now).Me(context.Background(), k)
	if !exchange.IsCode(err, exchange.CodeKeyExpired) || k.renewed != 1 || always.hits != 2 {
		t.Errorf("always expired: %v; %d renewals, %d calls", err, k.renewed, always.hits)
	}
	if strings.Contains(err.Error(), "AK1") || strings.Contains(err.Error(), "AK2") {
		t.Errorf("the error names the access key: %v", err)
	}
}

func TestEachErrorCodeSaysWhatToDo(t *testing.T) {
	for code, want := range map[int]string{
		2001: "read the member (GET /api/v2/members/me) failed: authorization failed (2001): the call was not signed as APIv2 wants; sign in again",
		2006: "read the member (GET /api/v2/members/me) failed: the tonce was already used (2006): another program is using the same access key; try again",
		2007: "read the member (GET /api/v2/members/me) failed: the tonce is not within 30 seconds of EXchange's clock (2007): set this computer's clock right and try again",
		2008: "read the member (GET /api/v2/members/me) failed: EXchange does not know the access key (2008): it was revoked; sign out and connect again",
		2009: "read the member (GET /api/v2/members/me) failed: the access key is disabled (2009): API access is turned off for this EXchange account; turn it on in EXchange's settings",
		2011: "read the member (GET /api/v2/members/me) failed: the call is out of the token's scopes (2011): connect again with the scope it needs (profile, history or trade)",
		2003: "read the member (GET /api/v2/members/me) failed: EXchange answered HTTP 401: The access key [redacted] has a problem. (2003); check the API base URL and the call",
	} {
		p := newPeatio(t, func(string) int { return code })
		_, err := client(t, p.srv.URL, time.Now).Me(context.Background(), &keys{current: exchange.Key{Access: "AK1", Secret: "SK1"}})
		if err == nil || err.Error() != want {
			t.Errorf("code %d: %v", code, err)
		}
	}
	p := newPeatio(t, func(string) int { return 0 })
	_, err := client(t, p.srv.URL, time.Now).Me(context.Background(), &keys{current: exchange.Key{Access: "AK1", Secret: "wrong"}})
	if err == nil || err.Error() != "read the member (GET /api/v2/members/me) failed: the signature was refused (2005): the saved secret key does not match its access key; sign out and connect again" {
		t.Errorf("bad signature: %v", err)
	}
}

func TestMemberThatIsNotDocumentedIsRefused(t *testing.T) {
	for name, body := range map[string]string{
		"not JSON":        `<html>`,
		"no accounts":     `{"sn": "PEA1TIO"}`,
		"a float balance": `{"sn": "PEA1TIO", "accounts": [{"currency": "btc", "balance": "1e3", "locked": "0"}]}`,
	} {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, body) }))
		_, err := client(t, srv.URL, time.Now).Me(context.Background(), &keys{current: exchange.Key{Access: "AK1", Secret: "SK1"}})
		srv.Close()
		if err == nil || !strings.HasSuffix(err.Error(), "check the API base URL") {
			t.Errorf("%s: %v", name, err)
		}
	}
}

// A rate limit says so and when to try again, as every provider's does:
// the wait EXchange asked for (Retry-After), or a minute when it said none.
func TestRateLimitSaysWhenToTryAgain(t *testing.T) {
	for retryAfter, want := range map[string]string{
		"7": "read the member (GET /api/v2/members/me) failed: EXchange answered HTTP 429: Too many requests. (1001); rate limited: try again in 7s",
		"":  "read the member (GET /api/v2/members/me) failed: EXchange answered HTTP 429: Too Many Requests; rate limited: try again in a minute",
	} {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if retryAfter == "" {
				w.WriteHeader(http.StatusTooManyRequests)
				return
			}
			w.Header().Set("Retry-After", retryAfter)
			w.WriteHeader(http.StatusTooManyRequests)
			fmt.Fprint(w, `{"error": {"code": 1001, "message": "Too many requests."}}`)
		}))
		_, err := client(t, srv.URL, time.Now).Me(context.Background(), &keys{current: exchange.Key{Access: "AK1", Secret: "SK1"}})
		srv.Close()
		if err == nil || err.Error() != want {
			t.Errorf("Retry-After %q:\n got %v\nwant %s", retryAfter, err, want)
		}
	}
}

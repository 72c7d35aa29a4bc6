package hostile_test

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"
	"unicode"

	"github.com/qexcompanion/qex-companion/flows"
	"github.com/qexcompanion/qex-companion/flows/liquid"
	"github.com/qexcompanion/qex-companion/flows/qex"
	"github.com/qexcompanion/qex-companion/internal/headless"
	"github.com/qexcompanion/qex-companion/internal/hostile"
)

// The secrets the hostile servers issue or the app is given: they must
// never be shown, whatever goes wrong.
const (
	sessionSecret   = "hostile-session-secret-7f3a9c" // QEX
	liquidSecret    = "hostile-token-secret-b81e40"   // Liquid's API token
	liquidPrivateID = "hostile-oauth-private-id-5d2c" // Liquid's OAuth request
)

// secrets are scanned for in everything a case shows, with "eyJ", the start
// of any JWT (Liquid's X-Quoine-Auth is one).
var secrets = []string{sessionSecret, liquidSecret, liquidPrivateID, "eyJ"}

// flowTimeout is the --timeout of every case: short, so that the faults the
// app waits out (the server may recover) end the case quickly.
const flowTimeout = time.Second

// maxHeapGrowth bounds the heap a case may add: well under the 50 MB body
// a server sends, well over the 8 MiB a response may be.
const maxHeapGrowth = 40 << 20

// provider is a provider under test: how its API answers, and what the
// app is given to reach it.
type provider struct {
	flows.Provider
	dialect hostile.Dialect
	inputs  flows.Inputs
}

var (
	qexProvider    = &provider{qex.Provider{}, hostile.QEX, flows.Inputs{qex.FieldPublicAPIKey: "pk_hostile_test"}}
	liquidProvider = &provider{liquid.Provider{}, hostile.Liquid, flows.Inputs{liquid.FieldTokenID: "4242", liquid.FieldTokenSecret: liquidSecret}}
)

// call is one call of a provider, with what the app must say when the
// server answers it with each fault. A fault missing from want is not run
// for the call; "" means the flow must succeed (and show clean text).
type call struct {
	provider *provider
	name     string
	route    string // the ServeMux pattern
	// healthyFirst is how many requests to route are answered well before
	// the fault: a later use of a call the flow makes more than once.
	healthyFirst int
	payload      map[hostile.Fault]string // JSON payloads: hostile.None and the shapes
	want         map[hostile.Fault]string
}

const accountsJSON = `{"crypto_accounts": [{"id": 1, "currency": "BTC", "currency_symbol": "₿", "balance": "0.06", "reserved_balance": "0.0", "currency_type": "crypto"}], "fiat_accounts": []}`

// accountsPayload is the accounts JSON of both providers.
var accountsPayload = map[hostile.Fault]string{
	hostile.None:          accountsJSON,
	hostile.MissingFields: `{"crypto_accounts": []}`,
	hostile.Nulls:         `{"crypto_accounts": [{"id": null, "currency": "BTC", "currency_symbol": null, "balance": null, "reserved_balance": null, "pusher_channel": null, "currency_type": "crypto"}], "fiat_accounts": null}`,
	hostile.NotNumbers:    `{"crypto_accounts": [{"currency": "BTC", "balance": "abc", "reserved_balance": "NaN"}], "fiat_accounts": [{"currency": "USD", "balance": "1,000.00", "reserved_balance": 1e400}]}`,
	hostile.Escapes:       `{"crypto_accounts": [{"currency": "\u001b[2JBTC", "currency_symbol": "\u001b]0;pwned\u0007₿", "balance": "0.06", "reserved_balance": "0", "currency_type": "crypto\u202e"}], "fiat_accounts": []}`,
}

// liquidUserContext is /user/context: the approval check, then the profile.
var liquidUserContext = map[hostile.Fault]string{
	hostile.None:          `{"user_id": 1111, "token_id": 4242, "trading_account_ids": [7], "app_vendor_id": 3, "country": "JP", "status": "approved", "currency": "JPY", "language": "ja", "user_type": "individual", "has_proof_address": true, "has_id_document": true, "avatar": null, "affiliate_code": "aff-1", "is_fully_verified": true, "email_confirmed_at": 1731590739, "declined_reason": null, "modules": {"trading": ["spot"]}, "first_name": "Hanako", "last_name": "Yamada", "email": "hanako@example.jp", "permissions": ["read"]}`,
	hostile.MissingFields: `{"first_name": "Hanako", "email": "hanako@example.jp"}`,
	hostile.Nulls:         `{"user_id": 1111, "token_id": null, "trading_account_ids": null, "app_vendor_id": null, "country": null, "status": null, "currency": null, "language": null, "user_type": null, "has_proof_address": null, "has_id_document": null, "avatar": null, "affiliate_code": null, "is_fully_verified": null, "email_confirmed_at": null, "declined_reason": null, "modules": null, "first_name": null, "last_name": null, "email": null, "permissions": null}`,
	hostile.NotNumbers:    `{"user_id": "eleven", "first_name": "Hanako"}`,
	hostile.Escapes:       `{"user_id": 1111, "country": "JP\u202e", "status": "\u001b[2Japproved", "first_name": "\u001b]0;pwned\u0007Hanako", "last_name": "Yamada\u0007", "email": "hanako@example.jp\u001b[8m"}`,
}

// liquidExpires is the OAuth request's expiry: 2100-01-01, epoch seconds.
const liquidExpires = "4102444800"

// liquidCreated is a created OAuth request.
const liquidCreated = `{"oauth_request_public_id": "pub-1", "oauth_request_private_id": "` + liquidPrivateID + `", "expires": ` + liquidExpires + `, "app_challenge_href": "http://liquid.example/oauth/pub-1", "api_challenge_href": "http://liquid.example/api/oauth/pub-1"}`

// calls lists every call of every provider the app talks to. Adding one is
// one entry here.
var calls = []call{{
	provider: qexProvider,
	name:     "QEX create session",
	route:    "POST /api/v1/session",
	payload: map[hostile.Fault]string{
		hostile.None:          `{"session_id": "s-1", "session_secret": "` + sessionSecret + `", "environment": "SANDBOX"}`,
		hostile.MissingFields: `{"session_id": "s-1"}`,
		hostile.Nulls:         `{"session_id": "s-1", "session_secret": null, "environment": null}`,
		hostile.Escapes:       `{"session_id": "s-1", "session_secret": "` + sessionSecret + `", "environment": "\u001b[2J\u001b]0;pwned\u0007SANDBOX\u202e"}`,
	},
	want: map[hostile.Fault]string{
		hostile.ServerError:   "create session failed: the QEX server failed (HTTP 500); try again later",
		hostile.RateLimited:   `create session failed: the server is busy (HTTP 429: "Too many requests.")`,
		hostile.Unauthorized:  "the server refused the public API key (HTTP 401",
		hostile.NotFound:      "create session failed: no QEX API at http://127.0.0.1:",
		hostile.Hang:          "timed out after 1s: create session failed: 127.0.0.1:",
		hostile.Drip:          "timed out after 1s: create session failed: 127.0.0.1:",
		hostile.BadJSON:       "is not QEX API JSON: unexpected end of JSON input",
		hostile.Refused:       `create session failed: the server answered HTTP 200: "[2J ]0;pwned Refused by the hostile server"`,
		hostile.Huge:          "is not QEX API JSON: it is larger than 8 MiB",
		hostile.WrongType:     "is not QEX API JSON: it is text/html, not JSON",
		hostile.RedirectLoop:  "kept redirecting (more than 5 times); check the API base URL",
		hostile.MissingFields: "session_id or session_secret is missing",
		hostile.Nulls:         "session_id or session_secret is missing",
		hostile.Escapes:       "",
	},
}, {
	provider: qexProvider,
	name:     "QEX accounts",
	route:    "GET /api/v1/session/{id}/accounts",
	payload:  accountsPayload,
	want: map[hostile.Fault]string{
		hostile.ServerError:   "timed out after 1s: the last check failed: fetch accounts failed: the server answered HTTP 500",
		hostile.RateLimited:   `timed out after 1s: the last check failed: fetch accounts failed: the server answered HTTP 429: "Too many requests."`,
		hostile.Unauthorized:  "timed out: no approval within 1s; start again and approve in the browser",
		hostile.NotFound:      "the session is gone (fetch accounts failed: the server answered HTTP 404",
		hostile.Hang:          "timed out after 1s: the last check failed: fetch accounts failed: 127.0.0.1:",
		hostile.Drip:          "timed out after 1s: the last check failed: fetch accounts failed: 127.0.0.1:",
		hostile.BadJSON:       "fetch accounts failed: the server's answer (HTTP 200) is not QEX API JSON",
		hostile.Refused:       `fetch accounts failed: the server answered HTTP 200: "[2J ]0;pwned Refused by the hostile server"`,
		hostile.Huge:          "fetch accounts failed: the server's answer (HTTP 200) is not QEX API JSON: it is larger than 8 MiB",
		hostile.WrongType:     "is not QEX API JSON: it is text/html, not JSON",
		hostile.RedirectLoop:  "the last check failed: fetch accounts failed: 127.0.0.1:",
		hostile.MissingFields: "payload: it has no fiat_accounts list",
		hostile.Nulls:         "",
		hostile.NotNumbers:    "the server sent 4 amounts that are not decimal numbers",
		hostile.Escapes:       "",
	},
}, {
	provider: liquidProvider,
	name:     "Liquid create OAuth request",
	route:    "POST /system/oauth_requests",
	payload: map[hostile.Fault]string{
		hostile.None:          liquidCreated,
		hostile.MissingFields: `{"oauth_request_public_id": "pub-1", "app_challenge_href": "http://liquid.example/oauth/pub-1"}`,
		hostile.Nulls:         `{"oauth_request_public_id": "pub-1", "oauth_request_private_id": "` + liquidPrivateID + `", "expires": null, "app_challenge_href": null, "api_challenge_href": null}`,
		hostile.NotNumbers:    `{"oauth_request_public_id": "pub-1", "oauth_request_private_id": "` + liquidPrivateID + `", "expires": "soon", "app_challenge_href": "http://liquid.example/oauth/pub-1"}`,
		hostile.Escapes:       `{"oauth_request_public_id": "\u001b[2Jpub-1\u202e", "oauth_request_private_id": "` + liquidPrivateID + `", "expires": ` + liquidExpires + `, "app_challenge_href": "http://liquid.example/oauth/pub-1", "api_challenge_href": "\u001b]0;pwned\u0007"}`,
	},
	want: map[hostile.Fault]string{
		hostile.ServerError:   `create OAuth request failed: the server answered HTTP 500: "Internal Server Error"; the server failed: try again later`,
		hostile.RateLimited:   `create OAuth request failed: the server answered HTTP 429: "Too many requests."; rate limited (300 requests per 5 minutes): try again in 1s`,
		hostile.Unauthorized:  `create OAuth request failed: the server answered HTTP 401: "Not authorized."; check the API token id and secret`,
		hostile.NotFound:      `create OAuth request failed: the server answered HTTP 404: "Not Found"; no such endpoint: check the API base URL`,
		hostile.Hang:          "timed out after 1s: create OAuth request failed: 127.0.0.1:",
		hostile.Drip:          "timed out after 1s: create OAuth request failed: 127.0.0.1:",
		hostile.BadJSON:       "create OAuth request failed: the server's answer (HTTP 200) is not Liquid API JSON: unexpected end of JSON input; check the API base URL",
		hostile.Refused:       `create OAuth request failed: the server answered HTTP 422: "[2J ]0;pwned Refused by the hostile server"; the request was refused as invalid`,
		hostile.Huge:          "create OAuth request failed: the server's answer (HTTP 200) is not Liquid API JSON: it is larger than 8 MiB",
		hostile.WrongType:     "create OAuth request failed: the server's answer (HTTP 200) is not Liquid API JSON: it is text/html, not JSON",
		hostile.RedirectLoop:  "create OAuth request failed: 127.0.0.1:",
		hostile.MissingFields: "oauth_request_public_id or oauth_request_private_id is missing; check the API base URL",
		hostile.Nulls:         "app_challenge_href is not an http(s) URL; check the API base URL",
		hostile.NotNumbers:    `expires: "soon" is neither epoch seconds nor an ISO 8601 time; check the API base URL`,
		hostile.Escapes:       "",
	},
}, {
	// The approval link is shown as it is, so the app must refuse one that
	// a bidirectional override would make read as another address.
	provider: liquidProvider,
	name:     "Liquid approval link",
	route:    "POST /system/oauth_requests",
	payload: map[hostile.Fault]string{
		hostile.None:    liquidCreated,
		hostile.Escapes: `{"oauth_request_public_id": "pub-1", "oauth_request_private_id": "` + liquidPrivateID + `", "expires": ` + liquidExpires + `, "app_challenge_href": "http://liquid.example/oauth/\u202e1-bup/moc.elgoog"}`,
	},
	want: map[hostile.Fault]string{
		hostile.Escapes: "app_challenge_href holds control or bidirectional characters; check the API base URL",
	},
}, {
	provider: liquidProvider,
	name:     "Liquid approval check",
	route:    "GET /user/context",
	payload:  liquidUserContext,
	want: map[hostile.Fault]string{
		hostile.ServerError:   `timed out after 1s: the last check failed: fetch user context failed: the server answered HTTP 500: "Internal Server Error"; the server failed: try again later`,
		hostile.RateLimited:   `timed out after 1s: the last check failed: fetch user context failed: the server answered HTTP 429: "Too many requests."; rate limited (300 requests per 5 minutes): try again in 1s`,
		hostile.Unauthorized:  "timed out: no approval within 1s; start again and approve in the browser",
		hostile.NotFound:      `fetch user context failed: the server answered HTTP 404: "Not Found"; no such endpoint: check the API base URL`,
		hostile.Hang:          "timed out after 1s: the last check failed: fetch user context failed: 127.0.0.1:",
		hostile.Drip:          "timed out after 1s: the last check failed: fetch user context failed: 127.0.0.1:",
		hostile.BadJSON:       "fetch user context failed: the server's answer (HTTP 200) is not Liquid API JSON: unexpected end of JSON input; check the API base URL",
		hostile.Refused:       `fetch user context failed: the server answered HTTP 422: "[2J ]0;pwned Refused by the hostile server"; the request was refused as invalid`,
		hostile.Huge:          "fetch user context failed: the server's answer (HTTP 200) is not Liquid API JSON: it is larger than 8 MiB",
		hostile.WrongType:     "fetch user context failed: the server's answer (HTTP 200) is not Liquid API JSON: it is text/html, not JSON",
		hostile.RedirectLoop:  "timed out after 1s: the last check failed: fetch user context failed: 127.0.0.1:",
		hostile.MissingFields: "fetch user context failed: the server's answer (HTTP 200) is not Liquid API JSON: user_id is missing",
		hostile.Nulls:         "",
		hostile.NotNumbers:    "a field that must be a number (such as user_id) holds something else; check the API base URL",
		hostile.Escapes:       "",
	},
}, {
	provider:     liquidProvider,
	name:         "Liquid profile",
	route:        "GET /user/context",
	healthyFirst: 1, // the approval check
	payload:      liquidUserContext,
	want: map[hostile.Fault]string{
		hostile.ServerError:   `fetch user context failed: the server answered HTTP 500: "Internal Server Error"; the server failed: try again later`,
		hostile.RateLimited:   `fetch user context failed: the server answered HTTP 429: "Too many requests."; rate limited (300 requests per 5 minutes): try again in 1s`,
		hostile.Unauthorized:  `fetch user context failed: the server answered HTTP 401: "Not authorized."; the OAuth request is not approved, was denied or has expired: start again`,
		hostile.NotFound:      `fetch user context failed: the server answered HTTP 404: "Not Found"; no such endpoint: check the API base URL`,
		hostile.Hang:          "timed out after 1s: fetch user context failed: 127.0.0.1:",
		hostile.Drip:          "timed out after 1s: fetch user context failed: 127.0.0.1:",
		hostile.BadJSON:       "fetch user context failed: the server's answer (HTTP 200) is not Liquid API JSON: unexpected end of JSON input",
		hostile.Refused:       `fetch user context failed: the server answered HTTP 422: "[2J ]0;pwned Refused by the hostile server"; the request was refused as invalid`,
		hostile.Huge:          "fetch user context failed: the server's answer (HTTP 200) is not Liquid API JSON: it is larger than 8 MiB",
		hostile.WrongType:     "fetch user context failed: the server's answer (HTTP 200) is not Liquid API JSON: it is text/html, not JSON",
		hostile.RedirectLoop:  "fetch user context failed: 127.0.0.1:",
		hostile.MissingFields: "fetch user context failed: the server's answer (HTTP 200) is not Liquid API JSON: user_id is missing",
		hostile.Nulls:         "",
		hostile.NotNumbers:    "fetch user context failed: the server's answer (HTTP 200) is not Liquid API JSON: a field that must be a number (such as user_id) holds something else",
		hostile.Escapes:       "",
	},
}, {
	provider: liquidProvider,
	name:     "Liquid accounts",
	route:    "GET /accounts",
	payload:  accountsPayload,
	want: map[hostile.Fault]string{
		hostile.ServerError:   `fetch accounts failed: the server answered HTTP 500: "Internal Server Error"; the server failed: try again later`,
		hostile.RateLimited:   `fetch accounts failed: the server answered HTTP 429: "Too many requests."; rate limited (300 requests per 5 minutes): try again in 1s`,
		hostile.Unauthorized:  `fetch accounts failed: the server answered HTTP 401: "Not authorized."; the OAuth request is not approved, was denied or has expired: start again`,
		hostile.NotFound:      `fetch accounts failed: the server answered HTTP 404: "Not Found"; no such endpoint: check the API base URL`,
		hostile.Hang:          "timed out after 1s: fetch accounts failed: 127.0.0.1:",
		hostile.Drip:          "timed out after 1s: fetch accounts failed: 127.0.0.1:",
		hostile.BadJSON:       "fetch accounts failed: the server's answer (HTTP 200) is not Liquid API JSON: unexpected end of JSON input",
		hostile.Refused:       `fetch accounts failed: the server answered HTTP 422: "[2J ]0;pwned Refused by the hostile server"; the request was refused as invalid`,
		hostile.Huge:          "fetch accounts failed: the server's answer (HTTP 200) is not Liquid API JSON: it is larger than 8 MiB",
		hostile.WrongType:     "fetch accounts failed: the server's answer (HTTP 200) is not Liquid API JSON: it is text/html, not JSON",
		hostile.RedirectLoop:  "fetch accounts failed: 127.0.0.1:",
		hostile.MissingFields: "fetch accounts failed: the server's answer (HTTP 200) is not Liquid API JSON: crypto_accounts or fiat_accounts is missing",
		hostile.Nulls:         "fetch accounts failed: the server's answer (HTTP 200) is not Liquid API JSON: crypto_accounts or fiat_accounts is missing",
		hostile.NotNumbers:    "the server sent 4 amounts that are not decimal numbers",
		hostile.Escapes:       "",
	},
}}

func TestFaultMatrix(t *testing.T) {
	for _, c := range calls {
		for _, fault := range hostile.Faults {
			want, ok := c.want[fault]
			if !ok {
				continue
			}
			t.Run(c.name+"/"+string(fault), func(t *testing.T) { runCase(t, c, fault, want) })
		}
	}
}

func runCase(t *testing.T, faulty call, fault hostile.Fault, want string) {
	var requests atomic.Int32 // to the faulty call
	p := faulty.provider
	healthy := map[string]string{} // the provider's other routes: their success payloads
	for _, c := range calls {
		if c.provider == p && c.route != faulty.route {
			healthy[c.route] = c.payload[hostile.None]
		}
	}
	mux := http.NewServeMux()
	for route, payload := range healthy {
		mux.HandleFunc(route, func(w http.ResponseWriter, r *http.Request) {
			hostile.Respond(w, r, p.dialect, hostile.None, payload)
		})
	}
	var seen atomic.Int32 // requests to the faulty call's route
	mux.HandleFunc(faulty.route, func(w http.ResponseWriter, r *http.Request) {
		if int(seen.Add(1)) <= faulty.healthyFirst {
			hostile.Respond(w, r, p.dialect, hostile.None, faulty.payload[hostile.None])
			return
		}
		requests.Add(1)
		hostile.Respond(w, r, p.dialect, fault, faulty.payload[fault])
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()
	defer srv.CloseClientConnections() // ends hangs and drips the app left behind

	engine := flows.NewEngine(flows.EngineConfig{
		Providers:   []flows.Provider{p.Provider},
		OpenBrowser: approveAtOnce,
		Receiver:    flows.Loopback,
		Timeout:     flowTimeout,
		PollMin:     20 * time.Millisecond,
		PollMax:     100 * time.Millisecond,
	})
	target := flows.Target{Provider: p.Info().Name, Env: flows.EnvCustom, APIBase: srv.URL, Inputs: p.inputs}

	heap := hostile.WatchHeap()
	var stdout, stderr bytes.Buffer
	start := time.Now()
	_, err := headless.Run(context.Background(), engine, target, &stdout, &stderr, true)
	elapsed := time.Since(start)
	growth := heap.Stop()

	// What a person at the terminal sees: the progress, then the error the
	// app exits with (main prints it as the last line).
	shown := stderr.String()
	if err != nil {
		shown += "qex-companion: " + err.Error() + "\n"
	}
	if want == "" {
		if err != nil {
			t.Fatalf("failed: %v\n%s", err, shown)
		}
	} else {
		if err == nil {
			t.Fatalf("succeeded; want exit 1 saying %q\n%s", want, shown)
		}
		if !strings.Contains(err.Error(), want) {
			t.Errorf("last message\n  %s\nwant it to say\n  %s", err, want)
		}
		if stdout.Len() > 0 {
			t.Errorf("wrote to stdout on failure: %q", stdout.String())
		}
		shown += stdout.String()
	}
	if elapsed > flowTimeout+3*time.Second {
		t.Errorf("took %s with a %s timeout", elapsed.Round(time.Millisecond), flowTimeout)
	}
	for _, r := range shown {
		if r != '\n' && (unicode.IsControl(r) || unicode.Is(unicode.Bidi_Control, r)) {
			t.Errorf("output holds %U:\n%q", r, shown)
			break
		}
	}
	for _, secret := range secrets {
		if strings.Contains(shown, secret) {
			t.Errorf("output holds the secret %q:\n%s", secret, shown)
		}
	}
	if growth > maxHeapGrowth {
		t.Errorf("heap grew by %d MiB", growth>>20)
	}
	if fault == hostile.RateLimited && int64(requests.Load()) > int64(flowTimeout/time.Second)/hostile.RetryAfterSeconds+2 {
		t.Errorf("%d requests in %s despite Retry-After: %d", requests.Load(), flowTimeout, hostile.RetryAfterSeconds)
	}
}

// approveAtOnce plays a browser whose user approves at once: it loads the
// return URL the app put in the approval URL, with the app's own state.
// Without one (Liquid) there is nothing to load: the hostile server answers
// the approval check as approved from the start.
func approveAtOnce(approval string) error {
	u, err := url.Parse(approval)
	if err != nil || !u.Query().Has("return_url") {
		return err
	}
	go func() {
		resp, err := http.Get(u.Query().Get("return_url"))
		if err == nil {
			resp.Body.Close()
		}
	}()
	return nil
}

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
	"github.com/qexcompanion/qex-companion/flows/qex"
	"github.com/qexcompanion/qex-companion/internal/headless"
	"github.com/qexcompanion/qex-companion/internal/hostile"
)

// secret is the session secret the hostile server issues: it must never be
// shown, whatever goes wrong.
const secret = "hostile-session-secret-7f3a9c"

// flowTimeout is the --timeout of every case: short, so that the faults the
// app waits out (the server may recover) end the case quickly.
const flowTimeout = 2 * time.Second

// maxHeapGrowth bounds the heap a case may add: well under the 50 MB body
// a server sends, well over the 8 MiB a response may be.
const maxHeapGrowth = 40 << 20

// call is one call of a provider, with what the app must say when the
// server answers it with each fault. A fault missing from want is not run
// for the call; "" means the flow must succeed (and show clean text).
type call struct {
	name    string
	route   string                   // the ServeMux pattern
	payload map[hostile.Fault]string // JSON payloads: hostile.None and the shapes
	want    map[hostile.Fault]string
}

const accountsJSON = `{"crypto_accounts": [{"id": 1, "currency": "BTC", "currency_symbol": "₿", "balance": "0.06", "reserved_balance": "0.0", "currency_type": "crypto"}], "fiat_accounts": []}`

// calls lists every call of every provider the app talks to. Adding one is
// one entry here.
var calls = []call{{
	name:  "QEX create session",
	route: "POST /api/v1/session",
	payload: map[hostile.Fault]string{
		hostile.None:          `{"session_id": "s-1", "session_secret": "` + secret + `", "environment": "SANDBOX"}`,
		hostile.MissingFields: `{"session_id": "s-1"}`,
		hostile.Nulls:         `{"session_id": "s-1", "session_secret": null, "environment": null}`,
		hostile.Escapes:       `{"session_id": "s-1", "session_secret": "` + secret + `", "environment": "\u001b[2J\u001b]0;pwned\u0007SANDBOX\u202e"}`,
	},
	want: map[hostile.Fault]string{
		hostile.ServerError:   "create session failed: the QEX server failed (HTTP 500); try again later",
		hostile.RateLimited:   `create session failed: the server is busy (HTTP 429: "Too many requests.")`,
		hostile.Unauthorized:  "the server refused the public API key (HTTP 401",
		hostile.NotFound:      "create session failed: no QEX API at http://127.0.0.1:",
		hostile.Hang:          "timed out after 2s: create session failed: 127.0.0.1:",
		hostile.Drip:          "timed out after 2s: create session failed: 127.0.0.1:",
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
	name:  "QEX accounts",
	route: "GET /api/v1/session/{id}/accounts",
	payload: map[hostile.Fault]string{
		hostile.None:          accountsJSON,
		hostile.MissingFields: `{"crypto_accounts": []}`,
		hostile.Nulls:         `{"crypto_accounts": [{"id": null, "currency": "BTC", "currency_symbol": null, "balance": null, "reserved_balance": null, "pusher_channel": null, "currency_type": "crypto"}], "fiat_accounts": null}`,
		hostile.NotNumbers:    `{"crypto_accounts": [{"currency": "BTC", "balance": "abc", "reserved_balance": "NaN"}], "fiat_accounts": [{"currency": "USD", "balance": "1,000.00", "reserved_balance": 1e400}]}`,
		hostile.Escapes:       `{"crypto_accounts": [{"currency": "\u001b[2JBTC", "currency_symbol": "\u001b]0;pwned\u0007₿", "balance": "0.06", "reserved_balance": "0", "currency_type": "crypto\u202e"}], "fiat_accounts": []}`,
	},
	want: map[hostile.Fault]string{
		hostile.ServerError:   "timed out after 2s: the last check failed: fetch accounts failed: the server answered HTTP 500",
		hostile.RateLimited:   `timed out after 2s: the last check failed: fetch accounts failed: the server answered HTTP 429: "Too many requests."`,
		hostile.Unauthorized:  "timed out: no approval within 2s; start again and approve in the browser",
		hostile.NotFound:      "the session is gone (fetch accounts failed: the server answered HTTP 404",
		hostile.Hang:          "timed out after 2s: the last check failed: fetch accounts failed: 127.0.0.1:",
		hostile.Drip:          "timed out after 2s: the last check failed: fetch accounts failed: 127.0.0.1:",
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
	mux := http.NewServeMux()
	for _, c := range calls {
		if c.name == faulty.name {
			mux.HandleFunc(c.route, func(w http.ResponseWriter, r *http.Request) {
				requests.Add(1)
				hostile.Respond(w, r, fault, c.payload[fault])
			})
		} else {
			mux.HandleFunc(c.route, func(w http.ResponseWriter, r *http.Request) {
				hostile.Respond(w, r, hostile.None, c.payload[hostile.None])
			})
		}
	}
	srv := httptest.NewServer(mux)
	defer srv.Close()
	defer srv.CloseClientConnections() // ends hangs and drips the app left behind

	engine := flows.NewEngine(flows.EngineConfig{
		Providers:   []flows.Provider{qex.Provider{}},
		OpenBrowser: approveAtOnce,
		Receiver:    flows.Loopback,
		Timeout:     flowTimeout,
		PollMin:     20 * time.Millisecond,
		PollMax:     100 * time.Millisecond,
	})
	target := flows.Target{Provider: "qex", Env: flows.EnvCustom, APIBase: srv.URL, Inputs: flows.Inputs{qex.FieldPublicAPIKey: "pk_hostile_test"}}

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
	if strings.Contains(shown, secret) || strings.Contains(shown, "eyJ") {
		t.Errorf("output holds a secret:\n%s", shown)
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
func approveAtOnce(approval string) error {
	u, err := url.Parse(approval)
	if err != nil {
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

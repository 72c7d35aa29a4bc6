package flows_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/qexcompanion/qex-companion/flows"
	"github.com/qexcompanion/qex-companion/flows/qex"
	"github.com/qexcompanion/qex-companion/internal/hostile"
)

const jwt = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJub25jZSI6MX0.c2lnbmF0dXJl"

func TestRedactBody(t *testing.T) {
	in := `{"payload":{"session_id":"sid","session_secret":"s3cr3t","nested":[{"access_token":"tok"},{"note":"bearer ` + jwt + `"}],"balance":0.100000000000000000001,"client_secret":null}}`
	got := flows.RedactBody([]byte(in))
	for _, leaked := range []string{"s3cr3t", `"tok"`, jwt} {
		if strings.Contains(got, leaked) {
			t.Errorf("%s survived:\n%s", leaked, got)
		}
	}
	for _, kept := range []string{`"session_id": "sid"`, `"session_secret": "[redacted]"`, `"access_token": "[redacted]"`, `"note": "bearer [redacted]"`, `0.100000000000000000001`, `"client_secret": null`} {
		if !strings.Contains(got, kept) {
			t.Errorf("missing %s:\n%s", kept, got)
		}
	}
	if got := flows.RedactBody([]byte("<html>token " + jwt + "</html>")); got != "<html>token [redacted]</html>" {
		t.Errorf("non-JSON body: %q", got)
	}
	// Text that starts like JSON is still text: Go's "404 page not found".
	for _, text := range []string{"404 page not found\n", `"quoted" and more`, `{"a":1} {"b":2}`} {
		if got := flows.RedactBody([]byte(text)); got != text {
			t.Errorf("body %q is shown as %q", text, got)
		}
	}
	if got := flows.RedactBody([]byte("{\"a\": 1}\n")); got != "{\n  \"a\": 1\n}" {
		t.Errorf("JSON with a trailing newline: %q", got)
	}
}

func TestInspectingClientReportsRedactedExchanges(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Set-Cookie", "sid=abc")
		w.Write([]byte(`{"success":true,"payload":{"session_id":"x","session_secret":"top-secret"}}`))
	}))
	defer srv.Close()
	var mu sync.Mutex
	var got []flows.HTTPExchange
	emit := func(e flows.Event) {
		mu.Lock()
		defer mu.Unlock()
		got = append(got, e.(flows.HTTPExchange))
	}
	client, _ := qex.NewClient(srv.URL, qex.WithHTTPClient(flows.NewInspectingClient(emit, 5*time.Second)))
	sess, err := client.CreateSession(context.Background(), "pk_test_1234")
	if err != nil || sess.SessionSecret != "top-secret" {
		t.Fatalf("the caller must still get the real body: %+v %v", sess, err)
	}
	client.Accounts(context.Background(), sess.Credentials())
	if len(got) != 2 {
		t.Fatalf("%d exchanges", len(got))
	}
	create, accounts := got[0], got[1]
	if create.Method != "POST" || create.Path != "/api/v1/session" || create.Status != 200 || !strings.Contains(create.RequestBody, "pk_test_1234") {
		t.Errorf("create exchange %+v", create)
	}
	if !strings.Contains(accounts.RequestHeaders, "Authorization: Bearer [redacted]") || !strings.Contains(accounts.ResponseHeaders, "Set-Cookie: [redacted]") {
		t.Errorf("headers not redacted:\n%s\n%s", accounts.RequestHeaders, accounts.ResponseHeaders)
	}
	for _, ex := range got {
		all := ex.String() + ex.RequestHeaders + ex.RequestBody + ex.ResponseHeaders + ex.ResponseBody + ex.URL
		if strings.Contains(all, "top-secret") || strings.Contains(all, "eyJ") || strings.Contains(all, "sid=abc") {
			t.Errorf("exchange leaks a secret:\n%s", all)
		}
	}
}

func TestInspectingClientReportsTransportFailures(t *testing.T) {
	var got []flows.Event
	client, _ := qex.NewClient("http://127.0.0.1:1", qex.WithHTTPClient(flows.NewInspectingClient(func(e flows.Event) { got = append(got, e) }, time.Second)))
	client.CreateSession(context.Background(), "pk_test_1234")
	if len(got) != 1 || got[0].(flows.HTTPExchange).Err == "" || !strings.Contains(got[0].String(), "no answer") {
		t.Errorf("events %v", got)
	}
}

// An answer whose headers came at once but whose body then stalls until
// the deadline is reported with its status, as broken off, and with the
// time it ran: not as "no answer" after the headers' few milliseconds.
func TestInspectingClientReportsAnAnswerThatBrokeOff(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{"success":`))
		w.(http.Flusher).Flush()
		<-release
	}))
	defer srv.Close()
	defer close(release)
	var got []flows.HTTPExchange
	client, _ := qex.NewClient(srv.URL, qex.WithHTTPClient(flows.NewInspectingClient(func(e flows.Event) { got = append(got, e.(flows.HTTPExchange)) }, time.Minute)))
	const deadline = 300 * time.Millisecond
	ctx, cancel := context.WithTimeout(context.Background(), deadline)
	defer cancel()
	client.CreateSession(ctx, "pk_test_1234")
	if len(got) != 1 {
		t.Fatalf("%d exchanges; want 1", len(got))
	}
	line := got[0].String()
	if !strings.HasPrefix(line, "POST /api/v1/session → 200, but the answer broke off (") || strings.Contains(line, "no answer") || got[0].Latency < deadline {
		t.Errorf("exchange reported as %q (latency %v); want a 200 that broke off after at least %v", line, got[0].Latency, deadline)
	}
}

// TestHugeBodiesAreNotHeldInMemory: a server streaming 400 MB answers to
// create-session and accounts must not take the app's memory with it.
func TestHugeBodiesAreNotHeldInMemory(t *testing.T) {
	const size = 400 << 20
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		hostile.Stream(w, size)
	}))
	defer srv.Close()
	defer srv.CloseClientConnections()
	var exchanges []flows.HTTPExchange
	emit := func(e flows.Event) { exchanges = append(exchanges, e.(flows.HTTPExchange)) }
	client, _ := qex.NewClient(srv.URL, qex.WithHTTPClient(flows.NewInspectingClient(emit, 30*time.Second)))
	for name, call := range map[string]func() error{
		"create session": func() error { _, err := client.CreateSession(context.Background(), "pk_test_1234"); return err },
		"fetch accounts": func() error {
			_, err := client.Accounts(context.Background(), qex.Credentials{SessionID: "s", SessionSecret: "k"})
			return err
		},
	} {
		exchanges = nil
		heap := hostile.WatchHeap()
		err := call()
		growth := heap.Stop()
		if growth > 64<<20 {
			t.Errorf("%s: the heap grew by %d MiB under a 400 MB body", name, growth>>20)
		}
		if err == nil || !strings.Contains(err.Error(), name+" failed: the server's answer (HTTP 200) is not QEX API JSON: it is larger than 8 MiB") {
			t.Errorf("%s: err = %v", name, err)
		}
		if len(exchanges) != 1 || len(exchanges[0].ResponseBody) > 65<<10 || !strings.Contains(exchanges[0].ResponseBody, "(cut: the inspector keeps the first 64 KiB)") {
			t.Errorf("%s: the inspector did not keep a bounded copy: %d exchanges", name, len(exchanges))
		}
	}
}

// One rule hides secrets wherever a value has a name: form bodies, query
// strings, headers and the claims of a JWT credential, for every provider.
func TestRedactionCoversFormsQueriesHeadersAndClaims(t *testing.T) {
	const liquidJWT = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9." +
		"eyJ0b2tlbl9pZCI6NDI0MiwicGF0aCI6Ii91c2VyL2NvbnRleHQiLCJub25jZSI6MTcwMDAwMDAwMDAwMCwib2F1dGhfcmVxdWVzdF9wdWJsaWNfaWQiOiJwdWItMSIsIm9hdXRoX3JlcXVlc3RfcHJpdmF0ZV9pZCI6InByaXYtc2VjcmV0In0." +
		"c2lnbmF0dXJl"
	var got []flows.HTTPExchange
	var mu sync.Mutex
	emit := func(e flows.Event) { mu.Lock(); got = append(got, e.(flows.HTTPExchange)); mu.Unlock() }
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/x-www-form-urlencoded")
		w.Write([]byte("access_token=at-secret&token_type=bearer&scope=read"))
	}))
	defer srv.Close()
	client := flows.NewInspectingClient(emit, 5*time.Second)
	form := "grant_type=authorization_code&code=the-code&client_id=app-1&client_secret=cs-secret&code_verifier=v-secret&refresh_token=rt-secret"
	req, _ := http.NewRequest("POST", srv.URL+"/oauth/token?access_key=ak-secret&tonce=17&signature=sig-secret&market=btcjpy", strings.NewReader(form))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("X-Quoine-Auth", liquidJWT)
	req.Header.Set("X-LIQUID-API-KEY", "lc-key-secret")
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	io.ReadAll(resp.Body)
	resp.Body.Close()
	mu.Lock()
	defer mu.Unlock()
	if len(got) != 1 {
		t.Fatalf("%d exchanges", len(got))
	}
	ex := got[0]
	all := ex.URL + ex.Path + ex.RequestHeaders + ex.RequestBody + ex.ResponseHeaders + ex.ResponseBody
	for _, secret := range []string{"the-code", "cs-secret", "v-secret", "rt-secret", "ak-secret", "sig-secret", "at-secret", "lc-key-secret", "priv-secret", liquidJWT} {
		if strings.Contains(all, secret) {
			t.Errorf("%s survived:\n%s", secret, all)
		}
	}
	for _, kept := range []string{"grant_type=authorization_code", "client_id=app-1", "tonce=17", "market=btcjpy", "token_type=bearer",
		`"path":"/user/context"`, `"oauth_request_public_id":"pub-1"`, `"oauth_request_private_id":"[redacted]"`} {
		if !strings.Contains(all, kept) {
			t.Errorf("%s is missing:\n%s", kept, all)
		}
	}
}

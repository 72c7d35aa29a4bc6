package flows_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/qexcompanion/qex-companion/flows"
)

// secretExchanges sends, through the inspecting client to a real server, a
// form POST with a client secret and a Bearer JWT, a GET whose query is
// signed, and a call that ends in a 404, and returns what the inspector
// recorded.
func secretExchanges(t *testing.T) []flows.HTTPExchange {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Request-Id", "req-77")
		if r.URL.Path == "/missing" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{"access_token":"at-secret","token_type":"bearer","expires_in":3600}`))
	}))
	t.Cleanup(srv.Close)
	var mu sync.Mutex
	var got []flows.HTTPExchange
	client := flows.NewInspectingClient(func(e flows.Event) { mu.Lock(); got = append(got, e.(flows.HTTPExchange)); mu.Unlock() }, 5*time.Second)
	send := func(method, path, body string, header map[string]string) {
		var r io.Reader
		if body != "" {
			r = strings.NewReader(body)
		}
		req, err := http.NewRequest(method, srv.URL+path, r)
		if err != nil {
			t.Fatal(err)
		}
		for k, v := range header {
			req.Header.Set(k, v)
		}
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		io.ReadAll(resp.Body)
		resp.Body.Close()
	}
	send("POST", "/oauth/token", "grant_type=client_credentials&client_id=app-1&client_secret=cs-secret", map[string]string{
		"Content-Type": "application/x-www-form-urlencoded", "Authorization": "Bearer " + jwt, "X-Partner-Ref": "ref 42"})
	send("GET", "/orders?market=btc+jpy&signature=sig-secret&page=2", "", nil)
	send("GET", "/missing", "", nil)
	mu.Lock()
	defer mu.Unlock()
	if len(got) != 3 {
		t.Fatalf("%d exchanges", len(got))
	}
	return got
}

var exchangeSecrets = []string{"cs-secret", "sig-secret", "at-secret", jwt, "eyJ"}

type harPair struct{ Name, Value string }

// harLog is what a HAR reader needs, spelled as the spec does.
type harLog struct {
	Log struct {
		Version string
		Creator struct{ Name, Version string }
		Entries []struct {
			StartedDateTime string
			Time            *float64
			Request         struct {
				Method, URL, HTTPVersion string
				Headers, QueryString     []harPair
				HeadersSize, BodySize    *int
				PostData                 *struct{ MimeType, Text string }
			}
			Response struct {
				Status                  int
				StatusText, HTTPVersion string
				Headers                 []harPair
				Content                 struct {
					Size           *int
					MimeType, Text string
				}
				RedirectURL           *string
				HeadersSize, BodySize *int
			}
			Cache   *struct{}
			Timings *struct{ Send, Wait, Receive *float64 }
		}
	}
}

func has(pairs []harPair, name, value string) bool {
	for _, p := range pairs {
		if p.Name == name && p.Value == value {
			return true
		}
	}
	return false
}

func TestHARHoldsTheExchangesRedacted(t *testing.T) {
	exchanges := secretExchanges(t)
	data, err := flows.HAR(exchanges, "QEX Companion/0.1.0")
	if err != nil {
		t.Fatal(err)
	}
	for _, secret := range exchangeSecrets {
		if strings.Contains(string(data), secret) {
			t.Errorf("the HAR holds %q:\n%s", secret, data)
		}
	}
	var har harLog
	if err := json.Unmarshal(data, &har); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, data)
	}
	l := har.Log
	if l.Version != "1.2" || l.Creator.Name != "QEX Companion" || l.Creator.Version != "0.1.0" || len(l.Entries) != 3 {
		t.Fatalf("log: version %q, creator %+v, %d entries", l.Version, l.Creator, len(l.Entries))
	}
	for i, e := range l.Entries {
		started, err := time.Parse(time.RFC3339, e.StartedDateTime)
		if err != nil || !started.Equal(exchanges[i].Start.Truncate(time.Millisecond)) {
			t.Errorf("entry %d: startedDateTime %q (%v), want %v", i, e.StartedDateTime, err, exchanges[i].Start)
		}
		if e.Time == nil || e.Cache == nil || e.Timings == nil || e.Timings.Send == nil || e.Timings.Wait == nil || e.Timings.Receive == nil || *e.Timings.Wait != *e.Time ||
			e.Request.HeadersSize == nil || *e.Request.HeadersSize != -1 || e.Request.BodySize == nil || e.Request.HTTPVersion != "HTTP/1.1" ||
			e.Response.HeadersSize == nil || e.Response.BodySize == nil || e.Response.RedirectURL == nil || e.Response.Content.Size == nil {
			t.Errorf("entry %d lacks a required field:\n%s", i, data)
		}
	}
	post, get, missing := l.Entries[0], l.Entries[1], l.Entries[2]
	if post.Request.Method != "POST" || post.Response.Status != 200 || post.Response.StatusText != "OK" ||
		!has(post.Request.Headers, "X-Partner-Ref", "ref 42") || !has(post.Request.Headers, "Authorization", exchangeHeader(exchanges[0].RequestHeaders, "Authorization")) ||
		!has(post.Response.Headers, "X-Request-Id", "req-77") || post.Response.Content.MimeType != "application/json" {
		t.Errorf("POST entry: %+v", post)
	}
	if post.Request.PostData == nil || post.Request.PostData.MimeType != "application/x-www-form-urlencoded" ||
		post.Request.PostData.Text != "grant_type=client_credentials&client_id=app-1&client_secret=[redacted]" {
		t.Errorf("POST body: %+v", post.Request.PostData)
	}
	if !strings.Contains(post.Response.Content.Text, `"access_token": "[redacted]"`) || !strings.Contains(post.Response.Content.Text, `"expires_in": 3600`) {
		t.Errorf("POST answer: %q", post.Response.Content.Text)
	}
	wantQuery := []harPair{{"market", "btc jpy"}, {"signature", "[redacted]"}, {"page", "2"}}
	if len(get.Request.QueryString) != len(wantQuery) || get.Request.PostData != nil || *get.Request.BodySize != 0 {
		t.Errorf("GET entry: query %v, post data %v", get.Request.QueryString, get.Request.PostData)
	}
	for i, want := range wantQuery {
		if i < len(get.Request.QueryString) && get.Request.QueryString[i] != want {
			t.Errorf("query %d: %v, want %v", i, get.Request.QueryString[i], want)
		}
	}
	if missing.Response.Status != 404 || missing.Response.StatusText != "Not Found" || !strings.HasSuffix(missing.Request.URL, "/missing") {
		t.Errorf("404 entry: %+v", missing.Response)
	}
}

// exchangeHeader is a header's redacted value as the inspector shows it.
func exchangeHeader(text, name string) string {
	for line := range strings.Lines(text) {
		if v, ok := strings.CutPrefix(strings.TrimSuffix(line, "\n"), name+": "); ok {
			return v
		}
	}
	return ""
}

// A call that got no answer is still an entry, saying why.
func TestHARTellsATransportFailure(t *testing.T) {
	data, err := flows.HAR([]flows.HTTPExchange{{Start: time.Now(), Method: "GET", URL: "http://127.0.0.1:1/x", Err: "connection refused", Latency: time.Millisecond}}, "QEX Companion/0.1.0")
	if err != nil {
		t.Fatal(err)
	}
	var har struct {
		Log struct {
			Entries []struct {
				Response struct{ Status int }
				Comment  string
			}
		}
	}
	if err := json.Unmarshal(data, &har); err != nil || len(har.Log.Entries) != 1 || har.Log.Entries[0].Response.Status != 0 || har.Log.Entries[0].Comment != "No answer: connection refused" {
		t.Errorf("%v\n%s", err, data)
	}
}

package callback_test

import (
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/qexcompanion/qex-companion/flows/msg"
	"github.com/qexcompanion/qex-companion/internal/callback"
)

type rejections struct {
	mu      sync.Mutex
	reasons []string
}

func (r *rejections) add(reason msg.Message) {
	r.mu.Lock()
	r.reasons = append(r.reasons, reason.String())
	r.mu.Unlock()
}

func (r *rejections) list() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.reasons...)
}

func listen(t *testing.T) (*callback.Loopback, callback.State, *rejections) {
	t.Helper()
	state := callback.NewState()
	rej := &rejections{}
	l, err := callback.ListenLoopback(callback.Pending{State: state, Rejected: rej.add})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	return l, state, rej
}

// send makes a request to the receiver, optionally with another Host header.
func send(t *testing.T, method, rawURL, host string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, rawURL, nil)
	if err != nil {
		t.Fatal(err)
	}
	if host != "" {
		req.Host = host
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

func noResult(t *testing.T, l *callback.Loopback) {
	t.Helper()
	select {
	case r := <-l.Results():
		t.Fatalf("a forged request was accepted: %+v", r)
	default:
	}
}

func TestReturnURLIsLiteralLoopback(t *testing.T) {
	l, state, _ := listen(t)
	u, err := url.Parse(l.ReturnURL())
	if err != nil {
		t.Fatal(err)
	}
	if u.Scheme != "http" || u.Hostname() != "127.0.0.1" || u.Port() == "" || u.Port() == "0" || u.Path != "/callback" || u.Query().Get("state") != string(state) {
		t.Errorf("ReturnURL = %s", u)
	}
}

func TestNewStateIsRandom32Bytes(t *testing.T) {
	a, b := callback.NewState(), callback.NewState()
	if len(a) != 43 || a == b || strings.ContainsAny(string(a), "+/=") {
		t.Errorf("states %q and %q", a, b)
	}
	if !a.Matches(string(a)) || a.Matches(string(b)) || a.Matches("") || callback.State("").Matches("") {
		t.Error("Matches is wrong")
	}
}

func TestForgedCallbacksAreIgnoredAndTheRealOneCompletes(t *testing.T) {
	l, state, rej := listen(t)
	good, _ := url.Parse(l.ReturnURL())
	origin := "http://" + good.Host
	secretish := "<script>alert(1)</script>"

	forged := []struct {
		name, method, url, host string
		status                  int
	}{
		{"wrong state", "GET", origin + "/callback?state=forged&x=" + url.QueryEscape(secretish), "", 400},
		{"no state", "GET", origin + "/callback", "", 400},
		{"wrong path", "GET", origin + "/other?state=" + string(state), "", 404},
		{"POST", "POST", l.ReturnURL(), "", 405},
		{"foreign Host (DNS rebinding)", "GET", l.ReturnURL(), "attacker.example:" + good.Port(), 400},
		{"localhost Host", "GET", l.ReturnURL(), "localhost:" + good.Port(), 400},
	}
	for _, f := range forged {
		status, body := send(t, f.method, f.url, f.host)
		if status != f.status {
			t.Errorf("%s: HTTP %d, want %d", f.name, status, f.status)
		}
		if strings.Contains(body, "alert(1)") || strings.Contains(body, string(state)) {
			t.Errorf("%s: the page reflects the request", f.name)
		}
		noResult(t, l)
	}
	if got := rej.list(); len(got) != len(forged) {
		t.Errorf("reported %d rejections, want %d: %q", len(got), len(forged), got)
	}

	status, body := send(t, "GET", l.ReturnURL(), "")
	if status != 200 || !strings.Contains(body, "You can close this tab and return to QEX Companion") {
		t.Fatalf("real callback: %d %s", status, body)
	}
	select {
	case r := <-l.Results():
		if r.Err() != nil {
			t.Errorf("approval came back as %v", r.Err())
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no result for the real callback")
	}

	// The state is single use.
	if status, _ := send(t, "GET", l.ReturnURL(), ""); status != 400 {
		t.Errorf("second use: HTTP %d", status)
	}
	noResult(t, l)
}

func TestErrorReturn(t *testing.T) {
	l, _, _ := listen(t)
	status, body := send(t, "GET", l.ReturnURL()+"&error=access_denied&error_description=The+user+said+no", "")
	if status != 200 || !strings.Contains(body, "Request not approved") || strings.Contains(body, "user said no") {
		t.Errorf("denied page: %d %s", status, body)
	}
	r := <-l.Results()
	var denied *callback.DeniedError
	if !errors.As(r.Err(), &denied) || denied.Code != "access_denied" || r.ErrorDescription != "The user said no" {
		t.Errorf("result %+v, err %v", r, r.Err())
	}
	if msg := r.Err().Error(); msg != "the request was denied in the browser; approve it to connect, or start again" {
		t.Errorf("message %q", msg)
	}
	other := callback.Result{Error: "server_error", ErrorDescription: "line1\nline2"}
	if msg := other.Err().Error(); msg != "the approval page returned error server_error: line1 line2" {
		t.Errorf("message %q", msg)
	}
}

func TestCloseStopsListening(t *testing.T) {
	l, _, _ := listen(t)
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	if err := l.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	client := &http.Client{Timeout: 2 * time.Second}
	if resp, err := client.Get(l.ReturnURL()); err == nil {
		resp.Body.Close()
		t.Error("still answering after Close")
	}
}

func TestPagesAreStaticAndSelfContained(t *testing.T) {
	l, _, _ := listen(t)
	resp, err := http.Get(l.ReturnURL())
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'none'") {
		t.Errorf("CSP %q", csp)
	}
	if resp.Header.Get("Referrer-Policy") != "no-referrer" {
		t.Error("no Referrer-Policy")
	}
	for _, external := range []string{"http://", "https://", "src="} {
		if strings.Contains(string(body), external) {
			t.Errorf("page loads or links something external (%s)", external)
		}
	}
}

// A provider with a registered redirect path gets its own path, and the
// receiver brings back everything the browser did: the code, the error,
// any other parameter.
func TestConfiguredPathBringsBackEverything(t *testing.T) {
	state := callback.NewState()
	l, err := callback.ListenLoopback(callback.Pending{State: state, Path: "/oauth/callback"})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	ret, _ := url.Parse(l.ReturnURL())
	if ret.Path != "/oauth/callback" || ret.Query().Get("state") != string(state) {
		t.Fatalf("return URL %s", ret)
	}
	if status, _ := send(t, "GET", "http://"+ret.Host+callback.LoopbackPath+"?state="+string(state), ""); status != http.StatusNotFound {
		t.Errorf("the default path answered %d on a receiver for another", status)
	}
	if status, _ := send(t, "GET", l.ReturnURL()+"&code=c0de&scope=profile", ""); status != http.StatusOK {
		t.Fatalf("the return got %d", status)
	}
	res := <-l.Results()
	if res.Code != "c0de" || res.Params.Get("scope") != "profile" || res.Params.Get("state") != string(state) || res.Err() != nil {
		t.Errorf("result %+v", res)
	}
	for _, bad := range []string{"callback", "/x?y=1", "/x#y"} {
		if _, err := callback.ListenLoopback(callback.Pending{State: state, Path: bad}); err == nil {
			t.Errorf("path %q accepted", bad)
		}
	}
}

// The flow closes the receiver as soon as the answer arrives; the browser
// that brought it must still get its page, not a dropped connection.
func TestTheBrowserGetsItsPageWhenTheFlowClosesAtOnce(t *testing.T) {
	for range 30 {
		l, _, _ := listen(t)
		go func() {
			<-l.Results()
			l.Close()
		}()
		resp, err := http.Get(l.ReturnURL() + "&code=abc")
		if err != nil {
			t.Fatalf("the browser got no page: %v", err)
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil || resp.StatusCode != 200 || !strings.Contains(string(body), "</html>") {
			t.Fatalf("the browser got %d %q, %v", resp.StatusCode, body, err)
		}
	}
}

// After the flow has its answer, the browser's return still gets its page,
// but what it brings (a code) goes nowhere: no finished flow takes more.
func TestFinishedReceiverAnswersButTakesNothing(t *testing.T) {
	l, _, rej := listen(t)
	l.Finish()
	status, body := send(t, http.MethodGet, l.ReturnURL()+"&code=late", "")
	if status != http.StatusOK || !strings.Contains(body, "You&#39;re connected") {
		t.Errorf("the return after approval got %d:\n%s", status, body)
	}
	noResult(t, l)
	if status, _ := send(t, http.MethodGet, strings.Replace(l.ReturnURL(), "state=", "state=x", 1)+"&code=c", ""); status != http.StatusBadRequest || len(rej.list()) != 1 {
		t.Errorf("a wrong state after Finish got %d, rejections %v", status, rej.list())
	}
}

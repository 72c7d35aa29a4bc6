package deeplink_test

import (
	"net/url"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/qexcompanion/qex-companion/flows/msg"
	"github.com/qexcompanion/qex-companion/internal/callback"
	"github.com/qexcompanion/qex-companion/internal/deeplink"
)

func TestParse(t *testing.T) {
	state := string(callback.NewState())
	good := map[string]deeplink.Link{
		"io.qexcompanion.app:/callback?state=" + state:                                     {State: state, Result: callback.Result{Params: url.Values{"state": {state}}}},
		"IO.QEXCOMPANION.APP:/callback?state=abc":                                          {State: "abc", Result: callback.Result{Params: url.Values{"state": {"abc"}}}},
		"io.qexcompanion.app:/callback?state=abc&error=access_denied&error_description=No": {State: "abc", Result: callback.Result{Error: "access_denied", ErrorDescription: "No", Params: url.Values{"state": {"abc"}, "error": {"access_denied"}, "error_description": {"No"}}}},
		"io.qexcompanion.app:/callback?state=abc&code=c0de&extra=1":                        {State: "abc", Result: callback.Result{Code: "c0de", Params: url.Values{"state": {"abc"}, "code": {"c0de"}, "extra": {"1"}}}},
	}
	for raw, want := range good {
		got, err := deeplink.Parse(raw)
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("Parse(%q) = %+v, %v; want %+v", raw, got, err, want)
		}
	}
	bad := map[string]string{
		"https://127.0.0.1/callback?state=abc":                             "scheme",
		"io.qexcompanion.evil:/callback?state=abc":                         "scheme",
		"io.qexcompanion.app://callback?state=abc":                         "no host",
		"io.qexcompanion.app://evil.example/callback?state=abc":            "no host",
		"io.qexcompanion.app:callback?state=abc":                           "no host",
		"io.qexcompanion.app:/other?state=abc":                             "path",
		"io.qexcompanion.app:/callback/?state=abc":                         "path",
		"io.qexcompanion.app:/%63allback?state=abc":                        "path",
		"io.qexcompanion.app:/callback":                                    "no state",
		"io.qexcompanion.app:/callback?state=":                             "no state",
		"io.qexcompanion.app:/callback?state=a&state=b":                    "repeated",
		"io.qexcompanion.app:/callback?state=a#frag":                       "fragment",
		"io.qexcompanion.app:/callback?state=%zz":                          "malformed",
		"io.qexcompanion.app:/callback?state=" + strings.Repeat("a", 3000): "at most 2048",
		"\x00\xff garbage":                                                 "not a URL",
	}
	for raw, want := range bad {
		if _, err := deeplink.Parse(raw); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Parse(%.60q) = %v; want an error about %q", raw, err, want)
		}
	}
	if got := deeplink.ReturnURL("abc"); got != "io.qexcompanion.app:/callback?state=abc" {
		t.Errorf("ReturnURL = %s", got)
	}
}

// FuzzParse: whatever arrives, Parse never panics, and what it accepts is
// exactly our scheme and path, with a state.
func FuzzParse(f *testing.F) {
	for _, seed := range []string{
		"io.qexcompanion.app:/callback?state=abc",
		"io.qexcompanion.app:/callback?state=abc&error=access_denied",
		"io.qexcompanion.app://callback?state=abc",
		"io.qexcompanion.app:/callback?state=a&state=b",
		"https://evil.example/callback?state=abc",
		"io.qexcompanion.app:/callback?state=%zz",
		"io.qexcompanion.app:/callback#x",
		"",
		"\x00",
		"io.qexcompanion.app:",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		link, err := deeplink.Parse(raw)
		if err != nil {
			if strings.ContainsAny(err.Error(), "\n\r") {
				t.Errorf("multi-line error %q", err)
			}
			return
		}
		if len(raw) > deeplink.MaxLength || link.State == "" || !deeplink.LooksLikeLink(raw) {
			t.Errorf("accepted %q as %+v", raw, link)
		}
	})
}

type log struct {
	mu    sync.Mutex
	lines []string
}

func (l *log) add(s string) { l.mu.Lock(); l.lines = append(l.lines, s); l.mu.Unlock() }
func (l *log) all() string  { l.mu.Lock(); defer l.mu.Unlock(); return strings.Join(l.lines, "\n") }

func TestRouter(t *testing.T) {
	idle := &log{}
	r := deeplink.NewRouter(func(m msg.Message) { idle.add(m.String()) })
	r.Deliver("io.qexcompanion.app:/callback?state=abc")
	if !strings.Contains(idle.all(), "nothing waiting for it") {
		t.Errorf("idle: %q", idle.all())
	}

	state := callback.NewState()
	rejected := &log{}
	rc, _ := r.Listen(callback.Pending{State: state, Rejected: func(m msg.Message) { rejected.add(m.String()) }})
	r.Deliver("io.qexcompanion.app:/callback?state=forged")
	r.Deliver("https://evil.example/callback?state=" + string(state))
	r.Deliver(strings.Repeat("x", 10000))
	select {
	case res := <-rc.Results():
		t.Fatalf("a forged link got through: %+v", res)
	default:
	}
	if n := strings.Count(rejected.all(), "ignored a deep link"); n != 3 {
		t.Errorf("%d rejections reported:\n%s", n, rejected.all())
	}
	r.Deliver(rc.ReturnURL())
	select {
	case res := <-rc.Results():
		if res.Err() != nil {
			t.Errorf("result %+v", res)
		}
	case <-time.After(time.Second):
		t.Fatal("the real link was not delivered")
	}
	r.Deliver(rc.ReturnURL()) // single use
	if !strings.Contains(rejected.all(), "forged, stale or repeated") {
		t.Error("a repeated link was not reported")
	}
	rc.Close()
	r.Deliver(rc.ReturnURL())
	if strings.Count(idle.all(), "nothing waiting") != 2 {
		t.Errorf("after Close: %q", idle.all())
	}
}

func TestNewFlowSupersedesTheOld(t *testing.T) {
	r := deeplink.NewRouter(nil)
	old, _ := r.Listen(callback.Pending{State: callback.NewState()})
	current, _ := r.Listen(callback.Pending{State: callback.NewState()})
	old.Close() // the old flow ending must not unhook the new one
	r.Deliver(current.ReturnURL())
	select {
	case <-current.Results():
	case <-time.After(time.Second):
		t.Fatal("the current flow lost its link")
	}
}

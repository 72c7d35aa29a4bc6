package scenario

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/qexcompanion/qex-companion/flows/msg"
)

// emulator answers /data 401 until approved, then 200; /renew and /other
// always 200. Its faults say their names.
type emulator struct{ approved bool }

func (e *emulator) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == "/data" && !e.approved {
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	if r.URL.Path == "/renew" && FormValue(r, "grant_type") != "refresh_token" {
		w.WriteHeader(http.StatusBadRequest) // the form must reach the emulator whole
		return
	}
	fmt.Fprint(w, "ok")
}

var faultNames = map[Fault]string{TooManyRequests: "429", Unavailable: "503", Expired: "expired", RenewalRefused: "refused"}

func shape() Shape {
	return Shape{
		Kind: func(r *http.Request) Kind {
			switch {
			case r.URL.Path == "/data":
				return Limited | Access
			case r.URL.Path == "/renew" && FormValue(r, "grant_type") == "refresh_token":
				return Renewal
			}
			return 0
		},
		Answer: func(w http.ResponseWriter, _ *http.Request, f Fault) {
			w.WriteHeader(http.StatusTeapot)
			fmt.Fprint(w, faultNames[f])
		},
		Limits: Limits{Without: map[Name]msg.Kind{RefreshRefused: msg.ScenarioQEXNoRenewal}},
	}
}

// call sends method path to h and returns the body, or the status when
// it is not a fault's or 200.
func call(h http.Handler, path string) string {
	var body *strings.Reader
	method := http.MethodGet
	if path == "/renew" {
		method, body = http.MethodPost, strings.NewReader(url.Values{"grant_type": {"refresh_token"}}.Encode())
	}
	var req *http.Request
	if body != nil {
		req = httptest.NewRequest(method, path, body)
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	} else {
		req = httptest.NewRequest(method, path, nil)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != http.StatusOK && rec.Code != http.StatusTeapot {
		return fmt.Sprint(rec.Code)
	}
	if rec.Code == http.StatusTeapot && faultNames[TooManyRequests] == rec.Body.String() && rec.Header().Get("Retry-After") != "1" {
		return "429 without Retry-After"
	}
	return rec.Body.String()
}

func TestLayer(t *testing.T) {
	for _, c := range []struct {
		scenario Name
		calls    []string // paths; "approve" approves the emulator's user
		want     string
	}{
		{Normal, []string{"/data", "approve", "/data", "/data"}, "401 ok ok"},
		// Only calls the emulator grants count: not those before approval.
		{RateLimited, []string{"/data", "approve", "/other", "/data", "/data", "/data", "/data"}, "401 ok 429 429 ok ok"},
		{ServerError, []string{"approve", "/data", "/data", "/data"}, "503 ok ok"},
		{ExpiredToken, []string{"approve", "/renew", "/data", "/renew", "/data"}, "ok expired ok ok"},
		{RefreshRefused, []string{"approve", "/data", "/renew", "/renew", "/data"}, "ok ok ok ok"}, // it does not apply
	} {
		t.Run(string(c.scenario), func(t *testing.T) {
			emu := &emulator{}
			h := NewSwitch(c.scenario).Wrap(shape(), emu)
			var got []string
			for _, path := range c.calls {
				if path == "approve" {
					emu.approved = true
					continue
				}
				got = append(got, call(h, path))
			}
			if strings.Join(got, " ") != c.want {
				t.Errorf("got %q, want %q", strings.Join(got, " "), c.want)
			}
		})
	}
	t.Run("refresh-refused where it applies", func(t *testing.T) {
		s := shape()
		s.Without = nil
		emu := &emulator{approved: true}
		h := NewSwitch(RefreshRefused).Wrap(s, emu)
		// A renewal before the access expired is not the one refused.
		got := []string{call(h, "/renew"), call(h, "/data"), call(h, "/renew"), call(h, "/renew"), call(h, "/data")}
		if want := "ok expired refused ok ok"; strings.Join(got, " ") != want {
			t.Errorf("got %q, want %q", strings.Join(got, " "), want)
		}
	})
	t.Run("switching starts afresh", func(t *testing.T) {
		sw := NewSwitch(ServerError)
		h := sw.Wrap(shape(), &emulator{approved: true})
		first := call(h, "/data") + " " + call(h, "/data")
		sw.Set(ServerError)
		again := call(h, "/data")
		sw.Set(Normal)
		if first != "503 ok" || again != "503" || call(h, "/data") != "ok" {
			t.Errorf("first %q, after Set %q", first, again)
		}
	})
	t.Run("slow", func(t *testing.T) {
		sw := NewSwitch(Slow)
		var waited []time.Duration
		sw.sleep = func(_ *http.Request, d time.Duration) { waited = append(waited, d) }
		h := sw.Wrap(shape(), &emulator{})
		call(h, "/other")
		call(h, "/data")
		if len(waited) != 2 || waited[0] != SlowDelay {
			t.Errorf("waited %v", waited)
		}
	})
}

func TestNamesAndSummaries(t *testing.T) {
	for _, s := range All {
		if got, ok := Lookup(string(s.Name)); !ok || got != s || s.Summary == "" || strings.Contains(s.Summary, "\n") {
			t.Errorf("%q: %+v", s.Name, got)
		}
	}
	if _, ok := Lookup("flaky"); ok {
		t.Error("found an unknown scenario")
	}
	if why := shape().Inapplicable(CardDeclined).String(); !strings.Contains(why, "only QEX") {
		t.Errorf("card-declined off the widget: %q", why)
	}
}

// The layer peeks at a body for Kind; the emulator still gets all of it.
func TestLayerPassesWholeBodies(t *testing.T) {
	var got int
	h := NewSwitch(RateLimited).Wrap(shape(), http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		got = len(body)
	}))
	big := strings.Repeat("x", 3*maxPeek)
	req := httptest.NewRequest(http.MethodPost, "/renew", strings.NewReader(big))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	h.ServeHTTP(httptest.NewRecorder(), req)
	if got != len(big) {
		t.Errorf("the emulator read %d bytes of %d", got, len(big))
	}
}

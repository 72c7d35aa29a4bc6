package brokertest

import (
	"io"
	"log/slog"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/qexcompanion/qex-companion/internal/broker"
)

// Harness is a broker on a loopback port in front of a fake EXchange.
type Harness struct {
	T       testing.TB
	Fake    *TestFake
	URL     string
	Logs    *SyncBuffer
	Secrets []string // grant secrets handed out
	Line    *LineUp  // hears every refresh arrive
}

// NewHarness starts a broker on store; tweak changes its Config.
func NewHarness(t testing.TB, store broker.Store, tweak func(*broker.Config)) *Harness {
	t.Helper()
	h := &Harness{T: t, Fake: StartFake(t), Logs: &SyncBuffer{}, Line: &LineUp{}}
	cfg := broker.Config{ExchangeBase: h.Fake.URL, ClientID: ClientID, ClientSecret: ClientSecret, Key: TestKey,
		Store: store, Logger: NewJSONLogger(h.Logs), Arrived: h.Line.Arrived}
	if tweak != nil {
		tweak(&cfg)
	}
	srv, err := broker.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)
	h.URL = ts.URL
	return h
}

// NewJSONLogger logs as the broker's command line does.
func NewJSONLogger(w io.Writer) *slog.Logger { return slog.New(slog.NewJSONHandler(w, nil)) }

// SignIn signs in through the harness's broker.
func (h *Harness) SignIn() (string, GrantOf) {
	token, g := SignIn(h.T, h.Fake.Fake, h.URL)
	h.Secrets = append(h.Secrets, g.Secret)
	return token, g
}

// SecretsHandedOut is everything that must never show in clear.
func (h *Harness) SecretsHandedOut() []string {
	return append(append(h.Fake.Issued(), h.Secrets...), ClientSecret)
}

// Suite is what the broker must pass on every store.
func Suite(t *testing.T, h *Harness) {
	t.Run("start", func(t *testing.T) {
		status, _, a := Call(t, h.URL, "/v1/start", map[string]string{"redirect_uri": Redirect, "scope": "", "state": "st8"})
		want := h.Fake.URL + "/oauth/authorize?client_id=" + ClientID + "&redirect_uri=http%3A%2F%2F127.0.0.1%3A53682%2Fcallback&response_type=code&scope=profile+history+trade&state=st8"
		if status != 200 || a["authorize_url"] != want {
			t.Errorf("/v1/start: %d %v\nwant %s", status, a, want)
		}
	})
	t.Run("code exchange and refresh rotation", func(t *testing.T) {
		first, g := h.SignIn()
		callsBefore, _ := h.Fake.Counts()
		tokens := []string{first}
		for range 3 {
			status, _, a := Call(t, h.URL, "/v1/refresh", g.Body())
			if status != 200 {
				t.Fatalf("/v1/refresh: %d %v", status, a)
			}
			if a["grant"] != nil {
				t.Errorf("/v1/refresh handed out a grant again: %v", a)
			}
			tokens = append(tokens, UserToken(t, a))
		}
		calls, reused := h.Fake.Counts()
		if calls-callsBefore != 3 || reused != 0 {
			t.Errorf("EXchange saw %d refreshes, %d with a rotated-away refresh token; want 3 and 0", calls-callsBefore, reused)
		}
		issued := h.Fake.Issued()
		for i, tok := range tokens {
			if !slices.Contains(issued, tok) || slices.Index(tokens, tok) != i {
				t.Errorf("user token %d is not a fresh one EXchange issued", i)
			}
		}
	})
	t.Run("wrong grant secret refused, revoke forgets here and at EXchange", func(t *testing.T) {
		_, g := h.SignIn()
		callsBefore, _ := h.Fake.Counts()
		last := "A" // a secret differing in its last character only
		if strings.HasSuffix(g.Secret, last) {
			last = "B"
		}
		for _, bad := range []GrantOf{{g.ID, g.Secret[:len(g.Secret)-1] + last}, {g.ID, "short"}, {"unknown-" + g.ID, g.Secret}} {
			status, _, a := Call(t, h.URL, "/v1/refresh", bad.Body())
			if status != 401 || a["error"] != "invalid_grant" {
				t.Errorf("refresh with a wrong grant: %d %v", status, a)
			}
			if status, _, _ := Call(t, h.URL, "/v1/revoke", bad.Body()); status != 401 {
				t.Errorf("revoke with a wrong grant: %d", status)
			}
		}
		if calls, _ := h.Fake.Counts(); calls != callsBefore {
			t.Error("a wrong grant secret reached EXchange")
		}
		Refresh(t, h.URL, g)
		issued := h.Fake.Issued()
		refreshToken := issued[len(issued)-1]
		if !h.Fake.Live(refreshToken) {
			t.Fatal("the fake's last refresh token is not the grant's")
		}
		if status, _, _ := Call(t, h.URL, "/v1/revoke", g.Body()); status != 204 {
			t.Fatalf("revoke: %d", status)
		}
		if status, _, a := Call(t, h.URL, "/v1/refresh", g.Body()); status != 401 || a["error"] != "invalid_grant" {
			t.Errorf("refresh after revoke: %d %v", status, a)
		}
		if h.Fake.Live(refreshToken) || !slices.Contains(h.Fake.Revoked(), refreshToken) {
			t.Error("the revoked grant's refresh token still works at EXchange")
		}
	})
	t.Run("concurrent refreshes", func(t *testing.T) {
		_, g := h.SignIn()
		answer := ConcurrentRefreshes(t, h, g, 5, h.URL)
		// The refresh token the winner stored still works.
		if tok := Refresh(t, h.URL, g); tok == answer {
			t.Error("the refresh after the concurrent ones answered the same user token")
		}
	})
	t.Run("a slow refresh holds up no other grant", func(t *testing.T) {
		_, slow := h.SignIn()
		_, other := h.SignIn()
		release := make(chan struct{})
		entered := h.Fake.HoldNext(release)
		done := make(chan int, 1)
		go func() {
			status, _, _ := Call(t, h.URL, "/v1/refresh", slow.Body())
			done <- status
		}()
		<-entered
		// The slow refresh waits on EXchange, its lease held: another
		// grant's refreshes go through meanwhile.
		for range 3 {
			Refresh(t, h.URL, other)
		}
		select {
		case status := <-done:
			t.Fatalf("the held refresh ended (%d) before the others", status)
		default:
		}
		close(release)
		if status := <-done; status != 200 {
			t.Errorf("the held refresh: %d", status)
		}
	})
}

// ConcurrentRefreshes sends n refreshes of g at once, spread over bases
// (brokers whose Arrived hook is h.Line's), EXchange answering the first
// only once all n have arrived, so the others wait for the grant's lease.
// They must make one EXchange call and all answer its user token, which it
// returns.
func ConcurrentRefreshes(t *testing.T, h *Harness, g GrantOf, n int, bases ...string) string {
	t.Helper()
	allIn := h.Line.Expect(n)
	h.Fake.Hold(allIn)
	defer h.Fake.Hold(nil)
	callsBefore, _ := h.Fake.Counts()
	answers := make([]string, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			status, _, a := Call(t, bases[i%len(bases)], "/v1/refresh", g.Body())
			if status != 200 {
				t.Errorf("concurrent refresh %d: %d %v", i, status, a)
				return
			}
			answers[i] = UserToken(t, a)
		})
	}
	wg.Wait()
	calls, reused := h.Fake.Counts()
	if calls-callsBefore != 1 || reused != 0 {
		t.Errorf("%d concurrent refreshes through %d brokers made %d EXchange calls (%d with a stale refresh token); want 1 and 0", n, len(bases), calls-callsBefore, reused)
	}
	for i := range answers {
		if answers[i] != answers[0] || !slices.Contains(h.Fake.Issued(), answers[i]) {
			t.Errorf("refresh %d answered another user token than refresh 0, or one EXchange never issued", i)
		}
	}
	select {
	case <-allIn:
	default:
		t.Error("the concurrent refreshes never all reached the brokers")
	}
	return answers[0]
}

package flows_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/qexcompanion/qex-companion/flows"
	"github.com/qexcompanion/qex-companion/flows/qex"
	"github.com/qexcompanion/qex-companion/internal/sandbox"
	"github.com/qexcompanion/qex-companion/internal/testbrowser"
)

// memoryStore is a SessionStore in memory; saveErr makes Save report that
// the session could not be kept.
type memoryStore struct {
	mu      sync.Mutex
	m       map[flows.SessionKey]qex.Credentials
	saveErr error
}

func newMemoryStore() *memoryStore { return &memoryStore{m: map[flows.SessionKey]qex.Credentials{}} }

func (s *memoryStore) Load(k flows.SessionKey) (qex.Credentials, time.Time, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.m[k]
	if !ok {
		return qex.Credentials{}, time.Time{}, flows.ErrNoSavedSession
	}
	return c, time.Unix(1700000000, 0), nil
}
func (s *memoryStore) Save(k flows.SessionKey, c qex.Credentials, _ time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.m[k] = c
	return s.saveErr
}
func (s *memoryStore) Touch(flows.SessionKey) {}
func (s *memoryStore) Forget(k flows.SessionKey) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.m, k)
	return nil
}
func (s *memoryStore) List() []flows.SavedSession { return nil }
func (s *memoryStore) saved(k flows.SessionKey) (qex.Credentials, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.m[k]
	return c, ok
}

// resumeRig is an engine on an embedded sandbox whose clock the test moves,
// and a browser whose answer the test chooses.
type resumeRig struct {
	sb       *sandbox.Server
	store    *memoryStore
	engine   *flows.Engine
	decision string
	opened   int
	mu       sync.Mutex
	now      time.Time
}

func newResumeRig(t *testing.T, noResume bool) *resumeRig {
	r := &resumeRig{store: newMemoryStore(), decision: "approve", now: time.Now()}
	r.sb = startSandbox(t, sandbox.WithClock(r.clock), sandbox.WithSessionTTL(time.Hour))
	r.engine = r.newEngine(noResume)
	return r
}

func (r *resumeRig) newEngine(noResume bool) *flows.Engine {
	return flows.NewEngine(flows.EngineConfig{
		StartSandbox: func() (string, error) { return r.sb.URL, nil },
		Receiver:     flows.Loopback,
		OpenBrowser: func(u string) error {
			r.mu.Lock()
			r.opened++
			decision := r.decision
			r.mu.Unlock()
			go testbrowser.Submit(context.Background(), u, decision, testbrowser.Options{})
			return nil
		},
		Sessions: r.store,
		NoResume: noResume,
		PollMin:  20 * time.Millisecond, PollMax: 50 * time.Millisecond, Timeout: 20 * time.Second,
	})
}

func (r *resumeRig) clock() time.Time { r.mu.Lock(); defer r.mu.Unlock(); return r.now }

func (r *resumeRig) advance(d time.Duration) { r.mu.Lock(); r.now = r.now.Add(d); r.mu.Unlock() }

var sandboxTarget = flows.Target{Env: flows.EnvSandbox, PublicAPIKey: sandbox.DefaultPublicAPIKey}

func (r *resumeRig) run(t *testing.T, target flows.Target) (*flows.QEXResult, *recorder) {
	t.Helper()
	rec := newRecorder()
	res, err := r.engine.Run(context.Background(), target, rec.emit)
	if err != nil {
		t.Fatalf("run: %v", err)
	}
	return res, rec
}

func TestResumeAValidSession(t *testing.T) {
	r := newResumeRig(t, false)
	first, rec := r.run(t, sandboxTarget)
	saved := rec.find("flows.SessionSaved")
	if len(saved) != 1 || saved[0].(flows.SessionSaved).Err != nil {
		t.Fatalf("SessionSaved events %v", saved)
	}
	key := r.engine.SessionKey(sandboxTarget)
	if key.APIBase != flows.EmbeddedAPIBase {
		t.Errorf("the embedded sandbox is saved under %q", key.APIBase)
	}
	if _, ok := r.store.saved(key); !ok {
		t.Fatal("nothing saved")
	}

	r.decision = "deny" // were the browser opened again, the run would fail
	second, rec := r.run(t, sandboxTarget)
	if r.opened != 1 || len(rec.find("flows.ApprovalURLReady")) != 0 {
		t.Error("resuming asked for approval again")
	}
	if len(rec.find("flows.Resumed")) != 1 || second.Session.SessionID != first.Session.SessionID ||
		second.WidgetConfig.Identity.UserSession.SessionSecret != first.Session.SessionSecret || len(second.Accounts.All()) == 0 {
		t.Errorf("resumed %+v, first %+v", second.Session, first.Session)
	}
}

func TestExpiredSessionIsForgottenAndReplaced(t *testing.T) {
	r := newResumeRig(t, false)
	first, _ := r.run(t, sandboxTarget)
	r.advance(2 * time.Hour)
	second, rec := r.run(t, sandboxTarget)
	declined := rec.find("flows.ResumeDeclined")
	if len(declined) != 1 || !strings.Contains(declined[0].String(), "expired") {
		t.Errorf("ResumeDeclined %v", declined)
	}
	if second.Session.SessionID == first.Session.SessionID || r.opened != 2 {
		t.Error("no new session after the saved one expired")
	}
	if c, _ := r.store.saved(r.engine.SessionKey(sandboxTarget)); c.SessionID != second.Session.SessionID {
		t.Error("the new session was not saved in place of the old")
	}
}

func TestSessionTerminatedElsewhere(t *testing.T) {
	r := newResumeRig(t, false)
	first, _ := r.run(t, sandboxTarget)
	client, _ := qex.NewClient(r.sb.URL) // another client ends the session
	if err := client.Terminate(context.Background(), first.Session.Credentials()); err != nil {
		t.Fatal(err)
	}
	second, rec := r.run(t, sandboxTarget)
	if d := rec.find("flows.ResumeDeclined"); len(d) != 1 || !strings.Contains(d[0].String(), "terminated") {
		t.Errorf("ResumeDeclined %v", d)
	}
	if second.Session.SessionID == first.Session.SessionID {
		t.Error("the terminated session was used")
	}
}

func TestSavedSessionIsNotUsedForAnotherEnvironment(t *testing.T) {
	r := newResumeRig(t, false)
	first, _ := r.run(t, sandboxTarget)
	other := startSandbox(t)
	custom := flows.Target{Env: flows.EnvCustom, APIBase: other.URL, PublicAPIKey: sandbox.DefaultPublicAPIKey}
	second, rec := r.run(t, custom)
	if len(rec.find("flows.Resumed"))+len(rec.find("flows.ResumeDeclined")) != 0 || second.Session.SessionID == first.Session.SessionID {
		t.Error("a sandbox session was offered to another server")
	}
	if r.engine.SessionKey(custom) == r.engine.SessionKey(sandboxTarget) {
		t.Error("two environments share a key")
	}
	// Both are saved, each under its own key.
	if _, ok := r.store.saved(r.engine.SessionKey(sandboxTarget)); !ok {
		t.Error("the sandbox session was overwritten")
	}
}

func TestNoResumeStartsANewSession(t *testing.T) {
	r := newResumeRig(t, false)
	first, _ := r.run(t, sandboxTarget)
	r.engine = r.newEngine(true)
	second, rec := r.run(t, sandboxTarget)
	if len(rec.find("flows.Resumed")) != 0 || second.Session.SessionID == first.Session.SessionID {
		t.Error("--no-resume resumed")
	}
}

func TestSessionKeptInMemoryIsReported(t *testing.T) {
	r := newResumeRig(t, false)
	r.store.saveErr = errors.New("No system keychain: this session will be forgotten when you quit")
	_, rec := r.run(t, sandboxTarget)
	saved := rec.find("flows.SessionSaved")
	if len(saved) != 1 || saved[0].String() != "No system keychain: this session will be forgotten when you quit" {
		t.Errorf("SessionSaved %v", saved)
	}
}

func TestSignOut(t *testing.T) {
	r := newResumeRig(t, false)
	first, _ := r.run(t, sandboxTarget)
	emit, events := collect()
	r.engine.SignOut(emit)
	out := until[flows.SignedOut](t, events)
	if out.RemoteErr != nil || out.Key != r.engine.SessionKey(sandboxTarget) {
		t.Errorf("SignedOut %+v", out)
	}
	if _, ok := r.store.saved(out.Key); ok {
		t.Error("still saved after sign-out")
	}
	client, _ := qex.NewClient(r.sb.URL)
	if _, err := client.Accounts(context.Background(), first.Session.Credentials()); !qex.IsNotFound(err) {
		t.Errorf("the session still works on the server: %v", err)
	}
}

func TestSignOutWhenTheServerIsGone(t *testing.T) {
	r := newResumeRig(t, false)
	r.run(t, sandboxTarget)
	r.sb.Close()
	emit, events := collect()
	r.engine.SignOut(emit)
	out := until[flows.SignedOut](t, events)
	if out.RemoteErr == nil || !strings.Contains(out.String(), "may stay valid there until it expires") {
		t.Errorf("SignedOut %v", out)
	}
	if _, ok := r.store.saved(out.Key); ok {
		t.Error("not forgotten locally when the server was unreachable")
	}
}

func TestSignOutSaved(t *testing.T) {
	r := newResumeRig(t, false)
	first, _ := r.run(t, sandboxTarget)
	fresh := r.newEngine(false) // another launch: nothing connected, a session saved
	out, err := fresh.SignOutSaved(context.Background(), sandboxTarget)
	if err != nil || out.RemoteErr != nil {
		t.Fatalf("SignOutSaved: %+v %v", out, err)
	}
	if _, ok := r.store.saved(out.Key); ok {
		t.Error("still saved")
	}
	client, _ := qex.NewClient(r.sb.URL)
	if _, err := client.Accounts(context.Background(), first.Session.Credentials()); !qex.IsNotFound(err) {
		t.Errorf("the session still works on the server: %v", err)
	}
	if _, err := fresh.SignOutSaved(context.Background(), sandboxTarget); !errors.Is(err, flows.ErrNoSavedSession) {
		t.Errorf("second sign-out: %v", err)
	}
}

func TestSessionKeyTarget(t *testing.T) {
	e := flows.NewEngine(flows.EngineConfig{})
	for _, tg := range []flows.Target{
		{Env: flows.EnvSandbox, PublicAPIKey: "pk_sandbox_12345678"},
		{Env: flows.EnvProduction, PublicAPIKey: "pk_live_12345678"},
		{Env: flows.EnvCustom, APIBase: "https://partners.example", PublicAPIKey: "pk_x_12345678"},
		{Env: flows.EnvSandbox, APIBase: "http://127.0.0.1:8080", PublicAPIKey: "pk_sandbox_12345678"},
	} {
		if got := e.SessionKey(tg).Target(); got != tg {
			t.Errorf("SessionKey(%+v).Target() = %+v", tg, got)
		}
	}
}

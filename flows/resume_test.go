package flows_test

import (
	"context"
	"encoding/json"
	"errors"
	"maps"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/qexcompanion/qex-companion/flows"
	"github.com/qexcompanion/qex-companion/flows/internal/flowtest"
	"github.com/qexcompanion/qex-companion/flows/qex"
	"github.com/qexcompanion/qex-companion/internal/sandbox"
	qexsandbox "github.com/qexcompanion/qex-companion/internal/sandbox/qex"
	"github.com/qexcompanion/qex-companion/internal/testbrowser"
)

// savedQEX is a saved QEX blob, as the keychain keeps it.
type savedQEX struct {
	V             int    `json:"v"`
	SessionID     string `json:"session_id"`
	SessionSecret string `json:"session_secret"`
}

// resumeRig is an engine on an embedded sandbox whose clock the test moves,
// and a browser whose answer the test chooses.
type resumeRig struct {
	sb       *sandbox.Server
	store    *flowtest.MemoryStore
	engine   *flows.Engine
	decision string
	opened   int
	mu       sync.Mutex
	now      time.Time
}

func newResumeRig(t *testing.T, noResume bool) *resumeRig {
	r := &resumeRig{store: flowtest.NewMemoryStore(), decision: "approve", now: time.Now()}
	r.sb = flowtest.StartSandbox(t, qexsandbox.Emulator(qexsandbox.WithClock(r.clock), qexsandbox.WithSessionTTL(time.Hour)))
	r.engine = r.newEngine(noResume)
	return r
}

func (r *resumeRig) newEngine(noResume bool) *flows.Engine {
	return flows.NewEngine(flows.EngineConfig{
		Providers: []flows.Provider{qex.Provider{}},
		Sandbox:   servedBy(r.sb),
		Receiver:  flows.Loopback,
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

var sandboxTarget = flows.Target{Provider: "qex", Env: flows.EnvSandbox, Inputs: flows.Inputs{qex.FieldPublicAPIKey: qexsandbox.DefaultPublicAPIKey}}

func (r *resumeRig) run(t *testing.T, target flows.Target) (*flows.Result, *flowtest.Recorder) {
	t.Helper()
	rec := flowtest.NewRecorder()
	res, err := r.engine.Run(context.Background(), target, rec.Emit)
	if err != nil {
		t.Fatalf("run: %v", err)
	}
	return res, rec
}

// credentials are the session a QEX result's widget configuration names.
func credentials(res *flows.Result) qex.Credentials {
	s := res.Widget.Config.Identity.UserSession
	return qex.Credentials{SessionID: s.SessionID, SessionSecret: s.SessionSecret}
}

func TestResumeAValidSession(t *testing.T) {
	r := newResumeRig(t, false)
	first, rec := r.run(t, sandboxTarget)
	saved := flowtest.Find[flows.SessionSaved](rec)
	if len(saved) != 1 || saved[0].Err != nil {
		t.Fatalf("SessionSaved events %v", saved)
	}
	key := r.engine.SessionKey(sandboxTarget)
	if key.APIBase != flows.EmbeddedAPIBase || key.Provider != "qex" || key.Account != qexsandbox.DefaultPublicAPIKey {
		t.Errorf("the embedded sandbox's session is saved under %+v", key)
	}
	// The keychain keeps a versioned blob with the session and nothing else.
	blob, ok := r.store.Saved(key)
	var fields map[string]any
	if !ok || json.Unmarshal(blob, &fields) != nil || !slices.Equal(slices.Sorted(maps.Keys(fields)), []string{"session_id", "session_secret", "v"}) {
		t.Fatalf("saved %s", blob)
	}
	if fields["v"] != 1.0 || fields["session_id"] != credentials(first).SessionID || fields["session_secret"] != credentials(first).SessionSecret {
		t.Errorf("saved %s", blob)
	}

	r.decision = "deny" // were the browser opened again, the run would fail
	second, rec := r.run(t, sandboxTarget)
	if r.opened != 1 || len(flowtest.Find[flows.ApprovalURLReady](rec)) != 0 {
		t.Error("resuming asked for approval again")
	}
	if len(flowtest.Find[flows.Resumed](rec)) != 1 || credentials(second) != credentials(first) || len(second.Balances.Accounts) == 0 {
		t.Errorf("resumed %+v, first %+v", second.Profile, first.Profile)
	}
}

// TestResumeASessionSavedByThePreviousRelease: before providers, the
// keychain held {"session_id","session_secret","created"}, with no "v".
func TestResumeASessionSavedByThePreviousRelease(t *testing.T) {
	r := newResumeRig(t, false)
	first, _ := r.run(t, sandboxTarget)
	cred := credentials(first)
	legacy, _ := json.Marshal(map[string]any{"session_id": cred.SessionID, "session_secret": cred.SessionSecret, "created": time.Unix(1700000000, 0)})
	key := r.engine.SessionKey(sandboxTarget)
	r.store.Save(key, legacy, time.Time{}) //nolint:errcheck // the memory store keeps it

	r.decision = "deny"
	second, rec := r.run(t, sandboxTarget)
	if len(flowtest.Find[flows.Resumed](rec)) != 1 || r.opened != 1 || credentials(second) != cred {
		t.Errorf("the legacy blob %s was not resumed: %v", legacy, rec.Kinds())
	}
}

func TestExpiredSessionIsForgottenAndReplaced(t *testing.T) {
	r := newResumeRig(t, false)
	first, _ := r.run(t, sandboxTarget)
	r.advance(2 * time.Hour)
	second, rec := r.run(t, sandboxTarget)
	declined := flowtest.Find[flows.ResumeDeclined](rec)
	if len(declined) != 1 || !strings.Contains(declined[0].String(), "expired") {
		t.Errorf("ResumeDeclined %v", declined)
	}
	if credentials(second).SessionID == credentials(first).SessionID || r.opened != 2 {
		t.Error("no new session after the saved one expired")
	}
	blob, _ := r.store.Saved(r.engine.SessionKey(sandboxTarget))
	var saved savedQEX
	if json.Unmarshal(blob, &saved) != nil || saved != (savedQEX{V: 1, SessionID: credentials(second).SessionID, SessionSecret: credentials(second).SessionSecret}) {
		t.Error("the new session was not saved in place of the old")
	}
}

func TestSessionTerminatedElsewhere(t *testing.T) {
	r := newResumeRig(t, false)
	first, _ := r.run(t, sandboxTarget)
	client, _ := qex.NewClient(r.sb.URL) // another client ends the session
	if err := client.Terminate(context.Background(), credentials(first)); err != nil {
		t.Fatal(err)
	}
	second, rec := r.run(t, sandboxTarget)
	if d := flowtest.Find[flows.ResumeDeclined](rec); len(d) != 1 || !strings.Contains(d[0].String(), "terminated") {
		t.Errorf("ResumeDeclined %v", d)
	}
	if credentials(second).SessionID == credentials(first).SessionID {
		t.Error("the terminated session was used")
	}
}

func TestSavedSessionIsNotUsedForAnotherEnvironment(t *testing.T) {
	r := newResumeRig(t, false)
	first, _ := r.run(t, sandboxTarget)
	other := flowtest.StartSandbox(t)
	custom := flows.Target{Provider: "qex", Env: flows.EnvCustom, APIBase: other.URL, Inputs: flows.Inputs{qex.FieldPublicAPIKey: qexsandbox.DefaultPublicAPIKey}}
	second, rec := r.run(t, custom)
	if len(flowtest.Find[flows.Resumed](rec))+len(flowtest.Find[flows.ResumeDeclined](rec)) != 0 || credentials(second).SessionID == credentials(first).SessionID {
		t.Error("a sandbox session was offered to another server")
	}
	if r.engine.SessionKey(custom) == r.engine.SessionKey(sandboxTarget) {
		t.Error("two environments share a key")
	}
	// Both are saved, each under its own key.
	if _, ok := r.store.Saved(r.engine.SessionKey(sandboxTarget)); !ok {
		t.Error("the sandbox session was overwritten")
	}
}

func TestNoResumeStartsANewSession(t *testing.T) {
	r := newResumeRig(t, false)
	first, _ := r.run(t, sandboxTarget)
	r.engine = r.newEngine(true)
	second, rec := r.run(t, sandboxTarget)
	if len(flowtest.Find[flows.Resumed](rec)) != 0 || credentials(second).SessionID == credentials(first).SessionID {
		t.Error("--no-resume resumed")
	}
}

func TestSessionKeptInMemoryIsReported(t *testing.T) {
	r := newResumeRig(t, false)
	r.store.SaveErr = errors.New("No system keychain: this session will be forgotten when you quit")
	_, rec := r.run(t, sandboxTarget)
	saved := flowtest.Find[flows.SessionSaved](rec)
	if len(saved) != 1 || saved[0].String() != "No system keychain: this session will be forgotten when you quit" {
		t.Errorf("SessionSaved %v", saved)
	}
}

func TestSignOut(t *testing.T) {
	r := newResumeRig(t, false)
	first, _ := r.run(t, sandboxTarget)
	emit, events := flowtest.Collect()
	r.engine.SignOut(emit)
	out := flowtest.Until[flows.SignedOut](t, events)
	if out.RemoteErr != nil || out.Key != r.engine.SessionKey(sandboxTarget) {
		t.Errorf("SignedOut %+v", out)
	}
	if _, ok := r.store.Saved(out.Key); ok {
		t.Error("still saved after sign-out")
	}
	client, _ := qex.NewClient(r.sb.URL)
	if _, err := client.Accounts(context.Background(), credentials(first)); !qex.IsNotFound(err) {
		t.Errorf("the session still works on the server: %v", err)
	}
}

func TestSignOutWhenTheServerIsGone(t *testing.T) {
	r := newResumeRig(t, false)
	r.run(t, sandboxTarget)
	r.sb.Close()
	emit, events := flowtest.Collect()
	r.engine.SignOut(emit)
	out := flowtest.Until[flows.SignedOut](t, events)
	if out.RemoteErr == nil || !strings.Contains(out.String(), "may stay valid there until it expires") {
		t.Errorf("SignedOut %v", out)
	}
	if _, ok := r.store.Saved(out.Key); ok {
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
	if _, ok := r.store.Saved(out.Key); ok {
		t.Error("still saved")
	}
	client, _ := qex.NewClient(r.sb.URL)
	if _, err := client.Accounts(context.Background(), credentials(first)); !qex.IsNotFound(err) {
		t.Errorf("the session still works on the server: %v", err)
	}
	if _, err := fresh.SignOutSaved(context.Background(), sandboxTarget); !errors.Is(err, flows.ErrNoSavedSession) {
		t.Errorf("second sign-out: %v", err)
	}
}

// slowKeychain is a session store whose saves wait until the test lets
// them through, as a keychain waiting on its unlock prompt does.
type slowKeychain struct {
	*flowtest.MemoryStore
	saving chan struct{} // receives when a save starts
	let    chan struct{} // a save ends when this is closed
}

func (s *slowKeychain) Save(k flows.SessionKey, blob []byte, created time.Time) error {
	s.saving <- struct{}{}
	<-s.let
	return s.MemoryStore.Save(k, blob, created)
}

// The keychain saves the new session while the result is shown, not
// after: its time is not added to the run's. The run still ends only once
// the save has, its outcome (here a failure) reported after the result.
func TestTheSessionIsSavedWhileTheResultIsShown(t *testing.T) {
	r := newResumeRig(t, false)
	keychain := &slowKeychain{MemoryStore: r.store, saving: make(chan struct{}, 1), let: make(chan struct{})}
	keychain.SaveErr = errors.New("the keychain is locked")
	engine := flows.NewEngine(flows.EngineConfig{
		Providers: []flows.Provider{qex.Provider{}}, Sandbox: servedBy(r.sb), Receiver: flows.Loopback,
		OpenBrowser: func(u string) error {
			go testbrowser.Submit(context.Background(), u, "approve", testbrowser.Options{})
			return nil
		},
		Sessions: keychain, Timeout: 20 * time.Second,
	})
	var events []flows.Event
	overlapped := false
	ended := make(chan error, 1)
	go func() {
		_, err := engine.Run(context.Background(), sandboxTarget, func(e flows.Event) {
			events = append(events, e)
			if _, ok := e.(flows.ResultReady); ok { // showing the result
				select {
				case <-keychain.saving:
					overlapped = true
				case <-time.After(5 * time.Second): // only when the save waits for the result
				}
			}
		})
		ended <- err
	}()
	close(keychain.let)
	if err := <-ended; err != nil {
		t.Fatalf("run: %v", err)
	}
	if !overlapped {
		t.Error("the session was saved only after the result was shown")
	}
	// The save's outcome, known only once it ended, is the run's last word.
	last := events[len(events)-1]
	if saved, ok := last.(flows.SessionSaved); !ok || saved.Err == nil || !strings.Contains(saved.String(), "the keychain is locked") {
		t.Errorf("last event %v, want the save's failure", last)
	}
	if _, ok := r.store.Saved(engine.SessionKey(sandboxTarget)); !ok {
		t.Error("the session was not handed to the keychain")
	}
}

// A browser that stays in the foreground keeps its opener from returning
// (xdg-open, or $BROWSER itself, until the window closes): the approval
// is noticed as soon as the browser comes back, not when the opener
// returns, and the page is announced as opened.
func TestApprovalIsNotKeptWaitingForTheOpener(t *testing.T) {
	r := newResumeRig(t, true)
	closed := make(chan struct{}) // the browser window stays open until the test ends
	defer close(closed)
	engine := flows.NewEngine(flows.EngineConfig{
		Providers: []flows.Provider{qex.Provider{}}, Sandbox: servedBy(r.sb), Receiver: flows.Loopback,
		OpenBrowser: func(u string) error {
			go testbrowser.Submit(context.Background(), u, "approve", testbrowser.Options{})
			<-closed
			return nil
		},
		Sessions: r.store, NoResume: true, Timeout: 20 * time.Second,
	})
	type outcome struct {
		res *flows.Result
		err error
	}
	ended := make(chan outcome, 1)
	rec := flowtest.NewRecorder()
	go func() {
		res, err := engine.Run(context.Background(), sandboxTarget, rec.Emit)
		ended <- outcome{res, err}
	}()
	select {
	case o := <-ended:
		if o.err != nil || o.res == nil || len(o.res.Balances.Accounts) == 0 {
			t.Fatalf("run: %v", o.err)
		}
	case <-time.After(15 * time.Second): // only when the flow waits for the opener
		t.Fatal("the approval waits for the browser's opener to return")
	}
	ready := flowtest.Find[flows.ApprovalURLReady](rec)
	if len(ready) != 1 || !ready[0].Opened || len(flowtest.Find[flows.Approved](rec)) != 1 {
		t.Errorf("announced %+v", ready)
	}
	kinds := strings.Join(rec.Kinds(), " ")
	if !strings.Contains(kinds, "flows.ApprovalURLReady flows.Approved") {
		t.Errorf("events %s", kinds)
	}
}

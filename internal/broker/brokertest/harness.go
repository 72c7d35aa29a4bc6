package brokertest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestKey is the sealing key of test brokers.
var TestKey = bytes.Repeat([]byte{0x42}, 32)

// SyncBuffer collects logs written from several goroutines.
type SyncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *SyncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *SyncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// TestFake is a Fake on a loopback port for the test's duration.
type TestFake struct {
	*Fake
	URL string
}

// StartFake starts a Fake answering at once.
func StartFake(t testing.TB) *TestFake {
	fx := NewFake(0)
	ts := httptest.NewServer(fx)
	t.Cleanup(ts.Close)
	return &TestFake{Fake: fx, URL: ts.URL}
}

// Call posts body as JSON to base+path and decodes the JSON answer.
func Call(t testing.TB, base, path string, body any) (int, http.Header, map[string]any) {
	t.Helper()
	raw, _ := json.Marshal(body)
	resp, err := http.Post(base+path, "application/json", bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	var answer map[string]any
	if resp.StatusCode != http.StatusNoContent {
		if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
			t.Fatalf("%s answered %d with Content-Type %q: %s", path, resp.StatusCode, ct, data)
		}
		if err := json.Unmarshal(data, &answer); err != nil {
			t.Fatalf("%s answered %d, not JSON: %s", path, resp.StatusCode, data)
		}
	}
	return resp.StatusCode, resp.Header, answer
}

// GrantOf is a device's grant handle.
type GrantOf struct{ ID, Secret string }

// Body is the body of /v1/refresh and /v1/revoke for g.
func (g GrantOf) Body() map[string]string {
	return map[string]string{"grant_id": g.ID, "grant_secret": g.Secret}
}

// Redirect is the redirect URI test sign-ins use.
const Redirect = "http://127.0.0.1:53682/callback"

// SignIn is a device's first sign-in: the code EXchange sent back,
// exchanged through the broker at base.
func SignIn(t testing.TB, fx *Fake, base string) (string, GrantOf) {
	t.Helper()
	status, _, a := Call(t, base, "/v1/token", map[string]string{"code": fx.NewCode(Redirect), "redirect_uri": Redirect})
	if status != 200 {
		t.Fatalf("/v1/token: %d %v", status, a)
	}
	g, _ := a["grant"].(map[string]any)
	id, _ := g["id"].(string)
	secret, _ := g["secret"].(string)
	if id == "" || len(secret) < 43 {
		t.Fatalf("/v1/token answered no usable grant: %v", g)
	}
	return UserToken(t, a), GrantOf{id, secret}
}

// UserToken checks the shape of an answer with a user token: access and
// secret key, expiry four hours ahead.
func UserToken(t testing.TB, a map[string]any) string {
	t.Helper()
	token, _ := a["user_token"].(string)
	if ak, sk, ok := strings.Cut(token, ":"); !ok || ak == "" || sk == "" {
		t.Fatalf("user_token %q is not access_key:secret_key", token)
	}
	expires, err := time.Parse(time.RFC3339, fmt.Sprint(a["expires_at"]))
	if err != nil {
		t.Fatalf("expires_at %v: %v", a["expires_at"], err)
	}
	if left := time.Until(expires); left < 4*time.Hour-time.Minute || left > 4*time.Hour+time.Second {
		t.Errorf("the user token expires in %s, not 4 h", left)
	}
	return token
}

// Refresh refreshes g through base and returns the user token, failing
// the test on anything but 200.
func Refresh(t testing.TB, base string, g GrantOf) string {
	t.Helper()
	status, _, a := Call(t, base, "/v1/refresh", g.Body())
	if status != 200 {
		t.Fatalf("/v1/refresh: %d %v", status, a)
	}
	return UserToken(t, a)
}

// AssertNoSecretsIn fails when a secret shows in clear in what, named.
func AssertNoSecretsIn(t testing.TB, name string, what []byte, secrets []string) {
	t.Helper()
	for _, s := range secrets {
		if s != "" && bytes.Contains(what, []byte(s)) {
			t.Errorf("%s holds a secret in clear (%.6s…)", name, s)
		}
	}
}

// AssertNoSecretsInDir reads every file under dir.
func AssertNoSecretsInDir(t testing.TB, dir string, secrets []string) {
	t.Helper()
	files := 0
	err := filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return err
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		files++
		AssertNoSecretsIn(t, path, data, secrets)
		return nil
	})
	if err != nil || files == 0 {
		t.Fatalf("reading the database files in %s: %d files, %v", dir, files, err)
	}
}

// LineUp tells when a number of requests have reached a handler.
type LineUp struct {
	mu         sync.Mutex
	want, seen int
	allIn      chan struct{}
}

// Expect returns a channel closed once n more requests have arrived.
func (l *LineUp) Expect(n int) chan struct{} {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.want, l.seen, l.allIn = n, 0, make(chan struct{})
	return l.allIn
}

// Arrived notes one arrival.
func (l *LineUp) Arrived() {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.allIn == nil {
		return
	}
	if l.seen++; l.seen == l.want {
		close(l.allIn)
		l.allIn = nil
	}
}

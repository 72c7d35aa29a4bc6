package oauth2_test

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/qexcompanion/qex-companion/internal/sandbox/oauth2"
)

func (s *server) introspect(t *testing.T, token any) (int, map[string]any) {
	t.Helper()
	resp, err := http.PostForm(s.base+"/oauth/token/introspect", url.Values{"token": {token.(string)}})
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body map[string]any
	json.NewDecoder(resp.Body).Decode(&body)
	return resp.StatusCode, body
}

func (s *server) refresh(t *testing.T, token any) (int, map[string]any) {
	t.Helper()
	return s.token(t, url.Values{"grant_type": {"refresh_token"}, "client_id": {s.client}, "refresh_token": {token.(string)}})
}

func (s *server) me(t *testing.T, token any) int {
	t.Helper()
	req, _ := http.NewRequest("GET", s.base+"/api/me", nil)
	req.Header.Set("Authorization", "Bearer "+token.(string))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

func hashHex(token any) string {
	sum := sha256.Sum256([]byte(token.(string)))
	return hex.EncodeToString(sum[:])
}

var masterKey = []byte("a master key the keychain would hold, 32+ bytes")

func TestTokensSurviveARestartWithTheSameFileAndKey(t *testing.T) {
	path := filepath.Join(t.TempDir(), "oauth2.json")
	first := start(t, oauth2.WithPersistence(path, masterKey))
	_, signIn := first.exchange(t, first.decide(t, nil, "approve").Get("code"), verifier)
	status, rotated := first.refresh(t, signIn["refresh_token"])
	if status != 200 {
		t.Fatalf("refresh before the restart: %d %v", status, rotated)
	}
	status, partner := first.token(t, url.Values{"grant_type": {"client_credentials"}, "client_id": {first.client}, "client_secret": {first.secret}, "scope": {"client:profile:read"}})
	if status != 200 {
		t.Fatalf("client credentials: %d %v", status, partner)
	}
	pendingCode := first.decide(t, nil, "approve").Get("code")
	burntCode := first.decide(t, nil, "approve").Get("code")
	if status, _ := first.exchange(t, burntCode, "wrong-verifier-wrong-verifier-wrong-verifier"); status != 400 {
		t.Fatalf("wrong verifier: %d", status)
	}

	info, err := os.Stat(path)
	if err != nil || info.Mode().Perm() != 0o600 {
		t.Fatalf("state file: %v, %v", info, err)
	}
	raw, _ := os.ReadFile(path)
	file := string(raw)
	for name, secret := range map[string]any{
		"first access token": signIn["access_token"], "first refresh token": signIn["refresh_token"],
		"access token": rotated["access_token"], "refresh token": rotated["refresh_token"],
		"client-credentials token": partner["access_token"], "code": pendingCode, "client secret": first.secret,
	} {
		if strings.Contains(file, secret.(string)) {
			t.Errorf("the state file holds the %s:\n%s", name, file)
		}
	}
	if !strings.Contains(file, hashHex(rotated["access_token"])) {
		t.Errorf("the state file does not hold the access token's SHA-256:\n%s", file)
	}

	second := start(t, oauth2.WithPersistence(path, masterKey))
	if second.client != first.client || second.secret != first.secret {
		t.Errorf("client after the restart: %q, same secret %v", second.client, second.secret == first.secret)
	}
	status, body := second.introspect(t, rotated["access_token"])
	if data, _ := body["data"].(map[string]any); status != 200 || data == nil || !strings.Contains(toJSON(data), `"firstName":"Hanako"`) {
		t.Errorf("introspect after the restart: %d %v", status, body)
	}
	if status := second.me(t, rotated["access_token"]); status != 200 {
		t.Errorf("/api/me after the restart: %d", status)
	}
	if status, body := second.introspect(t, partner["access_token"]); status != 200 || body["ok"] != 1.0 {
		t.Errorf("client-credentials token after the restart: %d %v", status, body)
	}
	if status, body := second.refresh(t, signIn["refresh_token"]); status != 400 || body["error"] != "invalid_grant" {
		t.Errorf("rotated-away refresh token after the restart: %d %v", status, body)
	}
	status, again := second.refresh(t, rotated["refresh_token"])
	if status != 200 || again["refresh_token"] == rotated["refresh_token"] {
		t.Fatalf("refresh after the restart: %d %v", status, again)
	}
	if status, body := second.exchange(t, burntCode, verifier); status != 400 || body["error"] != "invalid_grant" {
		t.Errorf("code used up by a wrong verifier before the restart: %d %v", status, body)
	}
	if status, body := second.exchange(t, pendingCode, verifier); status != 200 {
		t.Errorf("code approved before the restart: %d %v", status, body)
	}

	// What the second server used up stays used up at the third launch.
	third := start(t, oauth2.WithPersistence(path, masterKey))
	if status, body := third.refresh(t, rotated["refresh_token"]); status != 400 || body["error"] != "invalid_grant" {
		t.Errorf("refresh token rotated by the second server: %d %v", status, body)
	}
	if status, body := third.exchange(t, pendingCode, verifier); status != 400 || body["error"] != "invalid_grant" {
		t.Errorf("code used by the second server: %d %v", status, body)
	}
	if status, body := third.refresh(t, again["refresh_token"]); status != 200 {
		t.Errorf("refresh token issued by the second server: %d %v", status, body)
	}
}

func toJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func TestClientSecretComesFromTheKey(t *testing.T) {
	dir := t.TempDir()
	one := start(t, oauth2.WithPersistence(filepath.Join(dir, "one.json"), masterKey))
	other := start(t, oauth2.WithPersistence(filepath.Join(dir, "other.json"), []byte("another master key, another sandbox")))
	if one.secret == "" || one.secret == other.secret {
		t.Errorf("secrets from two keys: %q and %q", one.secret, other.secret)
	}
	status, body := other.token(t, url.Values{"grant_type": {"client_credentials"}, "client_id": {other.client}, "client_secret": {one.secret}, "scope": {"client:profile:read"}})
	if status != 401 || body["error"] != "invalid_client" {
		t.Errorf("another key's secret: %d %v", status, body)
	}
}

func TestStateFileForgetsExpiredTokensAndSurvivesDamage(t *testing.T) {
	path := filepath.Join(t.TempDir(), "oauth2.json")
	if err := os.WriteFile(path, []byte(`{"access_tokens": {"x": null}, "codes": null`), 0o600); err != nil {
		t.Fatal(err)
	}
	s := start(t, oauth2.WithPersistence(path, masterKey), oauth2.WithLifetimes(0, time.Minute, 10*time.Minute))
	_, old := s.exchange(t, s.decide(t, nil, "approve").Get("code"), verifier)
	s.advance(10*time.Minute + 2*time.Hour) // past the refresh token's life and the hour "expired" is still said
	_, fresh := s.exchange(t, s.decide(t, nil, "approve").Get("code"), verifier)
	raw, _ := os.ReadFile(path)
	file := string(raw)
	if strings.Contains(file, hashHex(old["access_token"])) || strings.Contains(file, hashHex(old["refresh_token"])) || !strings.Contains(file, hashHex(fresh["refresh_token"])) {
		t.Errorf("state file after expiry:\n%s", file)
	}
}

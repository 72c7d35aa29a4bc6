package broker

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"
)

// fakeExchange is EXchange's token endpoint as seed 004 describes it, with
// Peatio's answers: codes are single-use and bound to their redirect URI,
// refresh tokens rotate (the old one stops working), the client must
// authenticate.
type fakeExchange struct {
	*httptest.Server
	clientID, clientSecret string

	mu           sync.Mutex
	codes        map[string]string // code → redirect URI
	liveRefresh  map[string]bool
	issued       []string // every user token and refresh token handed out
	refreshCalls int
	reused       int // refresh tokens presented after they were rotated
	// hold, when set, keeps refreshes waiting until it is closed.
	hold chan struct{}
	// block makes every call wait until the client gives up.
	block bool
}

func (fx *fakeExchange) set(change func(fx *fakeExchange)) {
	fx.mu.Lock()
	defer fx.mu.Unlock()
	change(fx)
}

const (
	fakeClientID     = "partner-client-id"
	fakeClientSecret = "partner-client-secret-9f8e7d6c"
)

func newFakeExchange(t *testing.T) *fakeExchange {
	fx := &fakeExchange{clientID: fakeClientID, clientSecret: fakeClientSecret, codes: map[string]string{}, liveRefresh: map[string]bool{}}
	fx.Server = httptest.NewServer(http.HandlerFunc(fx.serve))
	t.Cleanup(fx.Close)
	return fx
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// newCode is what EXchange would send to redirectURI once the user agrees.
func (fx *fakeExchange) newCode(redirectURI string) string {
	fx.mu.Lock()
	defer fx.mu.Unlock()
	code := "code-" + randomHex(8)
	fx.codes[code] = redirectURI
	return code
}

func (fx *fakeExchange) counts() (refreshCalls, reused int) {
	fx.mu.Lock()
	defer fx.mu.Unlock()
	return fx.refreshCalls, fx.reused
}

func (fx *fakeExchange) allIssued() []string {
	fx.mu.Lock()
	defer fx.mu.Unlock()
	return append([]string(nil), fx.issued...)
}

func oauthError(w http.ResponseWriter, status int, code, description string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]string{"error": code, "error_description": description})
}

func (fx *fakeExchange) serve(w http.ResponseWriter, r *http.Request) {
	fx.mu.Lock()
	block, hold := fx.block, fx.hold
	fx.mu.Unlock()
	if block {
		// With the body read, the server notices the client hanging up.
		io.Copy(io.Discard, r.Body)
		<-r.Context().Done()
		return
	}
	if r.Method != http.MethodPost || r.URL.Path != "/oauth/token" {
		http.NotFound(w, r)
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	if err := r.ParseForm(); err != nil {
		oauthError(w, 400, "invalid_request", "bad form")
		return
	}
	if r.PostForm.Get("client_id") != fx.clientID || r.PostForm.Get("client_secret") != fx.clientSecret {
		oauthError(w, 401, "invalid_client", "Client authentication failed due to unknown client.")
		return
	}
	switch r.PostForm.Get("grant_type") {
	case "authorization_code":
		fx.mu.Lock()
		redirect, ok := fx.codes[r.PostForm.Get("code")]
		delete(fx.codes, r.PostForm.Get("code"))
		fx.mu.Unlock()
		if !ok || redirect != r.PostForm.Get("redirect_uri") {
			oauthError(w, 400, "invalid_grant", "The provided authorization grant is invalid, expired, revoked, does not match the redirection URI used in the authorization request, or was issued to another client.")
			return
		}
	case "refresh_token":
		if hold != nil {
			select {
			case <-hold:
			case <-time.After(20 * time.Second):
			}
		}
		fx.mu.Lock()
		fx.refreshCalls++
		token := r.PostForm.Get("refresh_token")
		live := fx.liveRefresh[token]
		delete(fx.liveRefresh, token)
		if !live {
			fx.reused++
		}
		fx.mu.Unlock()
		if !live {
			oauthError(w, 400, "invalid_grant", "The provided authorization grant is invalid, expired, revoked, does not match the redirection URI used in the authorization request, or was issued to another client.")
			return
		}
	default:
		oauthError(w, 400, "unsupported_grant_type", "The authorization grant type is not supported.")
		return
	}
	userToken := "AK" + randomHex(10) + ":" + "SK" + randomHex(20)
	refresh := "RT" + randomHex(16)
	fx.mu.Lock()
	fx.liveRefresh[refresh] = true
	fx.issued = append(fx.issued, userToken, refresh)
	fx.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(map[string]any{
		"access_token": userToken, "token_type": "bearer", "expires_in": 14400,
		"refresh_token": refresh, "scope": "profile history trade", "created_at": 1731590739,
	})
}

// Package brokertest has what the broker's tests and measurements share: a
// fake EXchange token endpoint, a throwaway PostgreSQL, a load generator.
package brokertest

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"sync"
	"time"
)

// Fake is EXchange's OAuth endpoints as seed 004 describes them, with
// Peatio's answers: codes are single-use and bound to their redirect URI,
// refresh tokens rotate (the old one stops working at once, so a refresh
// token presented twice is refused and counted), the client must
// authenticate. POST /fake/code?redirect_uri=… hands out a code, as a user
// agreeing would (for load generators in other processes).
type Fake struct {
	ClientID, ClientSecret string

	mu           sync.Mutex
	codes        map[string]string // code → redirect URI
	liveRefresh  map[string]bool
	issued       []string // every user token and refresh token handed out
	refreshCalls int
	reused       int // refresh tokens presented after they were rotated
	revoked      []string
	latency      time.Duration
	// hold, when set, keeps refreshes waiting until it is closed.
	hold chan struct{}
	// block makes every call wait until the client gives up.
	block bool
	// next, when set, holds the next refresh alone (HoldNext).
	next *heldRefresh
}

type heldRefresh struct{ entered, release chan struct{} }

// Default client credentials of a Fake.
const (
	ClientID     = "partner-client-id"
	ClientSecret = "partner-client-secret-9f8e7d6c"
)

// NewFake returns a fake EXchange answering each token call after latency.
func NewFake(latency time.Duration) *Fake {
	return &Fake{ClientID: ClientID, ClientSecret: ClientSecret, codes: map[string]string{}, liveRefresh: map[string]bool{}, latency: latency}
}

// SetLatency changes how long token calls take.
func (fx *Fake) SetLatency(d time.Duration) { fx.mu.Lock(); fx.latency = d; fx.mu.Unlock() }

// Hold keeps refreshes waiting until release is closed (nil: no longer).
func (fx *Fake) Hold(release chan struct{}) { fx.mu.Lock(); fx.hold = release; fx.mu.Unlock() }

// HoldNext keeps the next refresh (only that one) waiting until release is
// closed; the channel it returns is closed once that refresh is waiting.
func (fx *Fake) HoldNext(release chan struct{}) <-chan struct{} {
	fx.mu.Lock()
	defer fx.mu.Unlock()
	fx.next = &heldRefresh{entered: make(chan struct{}), release: release}
	return fx.next.entered
}

// Block makes every call wait until its client gives up.
func (fx *Fake) Block(on bool) { fx.mu.Lock(); fx.block = on; fx.mu.Unlock() }

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// NewCode is what EXchange would send to redirectURI once the user agrees.
func (fx *Fake) NewCode(redirectURI string) string {
	fx.mu.Lock()
	defer fx.mu.Unlock()
	code := "code-" + randomHex(8)
	fx.codes[code] = redirectURI
	return code
}

// Counts are the refresh calls so far and how many presented a rotated-away
// refresh token.
func (fx *Fake) Counts() (refreshCalls, reused int) {
	fx.mu.Lock()
	defer fx.mu.Unlock()
	return fx.refreshCalls, fx.reused
}

// Issued is every user token and refresh token handed out.
func (fx *Fake) Issued() []string {
	fx.mu.Lock()
	defer fx.mu.Unlock()
	return append([]string(nil), fx.issued...)
}

// Revoked is every token revoked through /oauth/revoke.
func (fx *Fake) Revoked() []string {
	fx.mu.Lock()
	defer fx.mu.Unlock()
	return append([]string(nil), fx.revoked...)
}

// Forget makes a refresh token stop working, as a rotation would.
func (fx *Fake) Forget(refreshToken string) {
	fx.mu.Lock()
	defer fx.mu.Unlock()
	delete(fx.liveRefresh, refreshToken)
}

// Live tells whether a refresh token still works.
func (fx *Fake) Live(refreshToken string) bool {
	fx.mu.Lock()
	defer fx.mu.Unlock()
	return fx.liveRefresh[refreshToken]
}

func oauthError(w http.ResponseWriter, status int, code, description string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]string{"error": code, "error_description": description})
}

const invalidGrant = "The provided authorization grant is invalid, expired, revoked, does not match the redirection URI used in the authorization request, or was issued to another client."

func (fx *Fake) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	fx.mu.Lock()
	block, hold, latency := fx.block, fx.hold, fx.latency
	fx.mu.Unlock()
	if block {
		// With the body read, the server notices the client hanging up.
		io.Copy(io.Discard, r.Body)
		<-r.Context().Done()
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	switch {
	case r.Method == http.MethodPost && r.URL.Path == "/fake/code":
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]string{"code": fx.NewCode(r.URL.Query().Get("redirect_uri"))})
		return
	case r.Method != http.MethodPost || (r.URL.Path != "/oauth/token" && r.URL.Path != "/oauth/revoke"):
		http.NotFound(w, r)
		return
	}
	if err := r.ParseForm(); err != nil {
		oauthError(w, 400, "invalid_request", "bad form")
		return
	}
	if r.PostForm.Get("client_id") != fx.ClientID || r.PostForm.Get("client_secret") != fx.ClientSecret {
		oauthError(w, 401, "invalid_client", "Client authentication failed due to unknown client.")
		return
	}
	if r.URL.Path == "/oauth/revoke" {
		fx.mu.Lock()
		delete(fx.liveRefresh, r.PostForm.Get("token"))
		fx.revoked = append(fx.revoked, r.PostForm.Get("token"))
		fx.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte("{}"))
		return
	}
	time.Sleep(latency)
	switch r.PostForm.Get("grant_type") {
	case "authorization_code":
		fx.mu.Lock()
		redirect, ok := fx.codes[r.PostForm.Get("code")]
		delete(fx.codes, r.PostForm.Get("code"))
		fx.mu.Unlock()
		if !ok || redirect != r.PostForm.Get("redirect_uri") {
			oauthError(w, 400, "invalid_grant", invalidGrant)
			return
		}
	case "refresh_token":
		fx.mu.Lock()
		next := fx.next
		fx.next = nil
		fx.mu.Unlock()
		if next != nil {
			close(next.entered)
			<-next.release
		}
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
			oauthError(w, 400, "invalid_grant", invalidGrant)
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

// CodeFrom asks a Fake at base (another process) for a code.
func CodeFrom(hc *http.Client, base, redirectURI string) (string, error) {
	resp, err := hc.Post(base+"/fake/code?redirect_uri="+url.QueryEscape(redirectURI), "", nil)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	var a struct {
		Code string `json:"code"`
	}
	err = json.NewDecoder(io.LimitReader(resp.Body, 4096)).Decode(&a)
	return a.Code, err
}

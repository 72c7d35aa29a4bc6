package oauth2

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	xoauth2 "golang.org/x/oauth2"

	"github.com/qexcompanion/qex-companion/flows"
	"github.com/qexcompanion/qex-companion/flows/msg"
	"github.com/qexcompanion/qex-companion/internal/callback"
	"github.com/qexcompanion/qex-companion/internal/oneline"
)

// Input names.
const (
	FieldClientID     = "client-id"
	FieldScope        = "scope"
	FieldGrant        = "grant"
	FieldClientSecret = "client-secret"
)

// Grants a user can choose.
const (
	GrantCode              = "code"
	GrantClientCredentials = "client_credentials"
)

// DefaultScope is asked for when none is given.
const DefaultScope = "delegated:all"

// SecretEnvVar holds the client secret in a terminal: never a flag.
const SecretEnvVar = "LIQUID_CLIENT_SECRET"

// refreshAhead: a token expiring this soon is refreshed before use.
const refreshAhead = time.Minute

// Name is the --provider value of this provider.
const Name = "oauth2"

// Provider is the Liquid OAuth 2.0 service as a flows.Provider.
type Provider struct{}

// Info implements flows.Provider.
func (Provider) Info() flows.ProviderInfo {
	return flows.ProviderInfo{
		Name:           Name,
		Title:          "Liquid OAuth 2.0 service",
		Brand:          "Liquid",
		ProductionBase: ProductionBaseURL,
		Fields: []flows.Field{
			{Name: FieldClientID, Label: "Client id", Account: true, Check: checkClientID},
			{Name: FieldScope, Label: "Scope", Optional: true, Default: DefaultScope, Check: checkScope},
			{Name: FieldGrant, Label: "Grant", Choices: []string{GrantCode, GrantClientCredentials}, Default: GrantCode},
			{Name: FieldClientSecret, Label: "Client secret", Secret: true, EnvVar: SecretEnvVar, Optional: true, Check: checkSecret},
		},
	}
}

func checkClientID(id string) error {
	if len(id) > 128 || strings.IndexFunc(id, func(r rune) bool { return r <= ' ' || r > '~' }) >= 0 {
		return msg.OAuthBadClientID.Err(nil)
	}
	return nil
}

func checkScope(scope string) error {
	for s := range strings.SplitSeq(scope, ",") {
		if s == "" || len(s) > 100 || strings.IndexFunc(s, func(r rune) bool { return r <= ' ' || r > '~' }) >= 0 {
			return msg.OAuthBadScope.Err(nil)
		}
	}
	return nil
}

func checkSecret(secret string) error {
	if len(secret) > 512 || strings.IndexFunc(secret, func(r rune) bool { return r < ' ' || r == 0x7f }) >= 0 {
		return msg.OAuthBadSecret.Err(nil)
	}
	return nil
}

func newClient(rt *flows.Runtime, in flows.Inputs) (*Client, error) {
	scope := in[FieldScope]
	if scope == "" {
		scope = DefaultScope
	}
	return NewClient(rt.APIBase, in[FieldClientID], scope, rt.HTTP, rt.Now)
}

func grantOf(in flows.Inputs) string {
	if in[FieldGrant] == "" {
		return GrantCode
	}
	return in[FieldGrant]
}

// Authorize gets a token: for the code grant, the user approves on /login
// and the browser brings the code back; for client credentials, the
// client's secret alone.
func (Provider) Authorize(ctx context.Context, rt *flows.Runtime, in flows.Inputs) (flows.Session, error) {
	c, err := newClient(rt, in)
	if err != nil {
		return nil, err
	}
	s := &session{client: c, rt: rt, grant: grantOf(in), secret: in[FieldClientSecret]}
	if s.grant == GrantClientCredentials {
		if s.secret == "" {
			// A missing input: bad usage, named before anything is sent.
			return nil, &flows.FieldError{Field: FieldClientSecret, Err: msg.OAuthNeedsSecret.Err(msg.Args{"EnvVar": SecretEnvVar})}
		}
		tok, err := c.ClientCredentials(ctx, s.secret)
		if err != nil {
			return nil, err
		}
		s.setLocked(tok) // not yet shared: no lock needed
		return s, nil
	}
	tok, err := authorizeCode(ctx, rt, c)
	if err != nil {
		return nil, err
	}
	s.setLocked(tok)
	return s, nil
}

// authorizeCode runs the authorization-code grant with PKCE. The state is
// the receiver's own: its return URL carries it, and it delivers only a
// return whose state matches; the redirect_uri is that URL without it.
func authorizeCode(ctx context.Context, rt *flows.Runtime, c *Client) (*xoauth2.Token, error) {
	verifier := xoauth2.GenerateVerifier()
	var redirectURI, code string
	var tok *xoauth2.Token
	_, err := rt.Await(ctx, flows.Approval{
		URL: func(returnURL string) (string, error) {
			u, err := url.Parse(returnURL)
			if returnURL == "" || err != nil || u.Query().Get("state") == "" {
				return "", nil // no return address: Check says why
			}
			state := u.Query().Get("state")
			u.RawQuery = ""
			redirectURI = u.String()
			return c.LoginURL(redirectURI, state, verifier), nil
		},
		Arrived: func(res callback.Result) error {
			if res.Code == "" {
				return msg.OAuthNoCode.Err(nil)
			}
			code = res.Code
			return nil
		},
		Check: func(ctx context.Context) error {
			switch {
			case redirectURI == "":
				return msg.OAuthNeedsReturn.Err(nil)
			case code == "":
				return flows.NotYet(msg.OAuthAwaitingCode.Err(nil))
			}
			var err error
			tok, err = c.Exchange(ctx, code, redirectURI, verifier)
			var oe *OAuthError
			if errors.As(err, &oe) && oe.Status >= 500 {
				return flows.Retry(err, 0)
			}
			return err
		},
	})
	if err != nil {
		return nil, err
	}
	return tok, nil
}

// saved is what the keychain keeps: every field but grant and scope is a
// secret, and only the keychain sees them.
type saved struct {
	V            int       `json:"v"`
	AccessToken  string    `json:"access_token"`
	RefreshToken string    `json:"refresh_token,omitempty"`
	TokenType    string    `json:"token_type,omitempty"`
	Expiry       time.Time `json:"expiry,omitzero"`
	Scope        string    `json:"scope"`
	Grant        string    `json:"grant"`
}

// Restore rebuilds a saved session, refreshing its token first when it has
// expired or expires within a minute. A refused refresh forgets it.
func (Provider) Restore(ctx context.Context, rt *flows.Runtime, in flows.Inputs, blob []byte) (flows.Session, error) {
	var sv saved
	if err := json.Unmarshal(blob, &sv); err != nil || sv.V != 1 || sv.AccessToken == "" {
		return nil, flows.Gone(msg.OAuthUnreadable.Err(nil))
	}
	c, err := newClient(rt, in)
	if err != nil {
		return nil, err
	}
	s := &session{client: c, rt: rt, grant: grantOf(in), secret: in[FieldClientSecret],
		tok: &xoauth2.Token{AccessToken: sv.AccessToken, RefreshToken: sv.RefreshToken, TokenType: sv.TokenType, Expiry: sv.Expiry}}
	switch {
	case sv.Grant != s.grant:
		return nil, flows.Gone(msg.OAuthOtherGrant.Err(msg.Args{"Saved": sv.Grant, "Asked": s.grant}))
	case sv.Scope != c.scope:
		return nil, flows.Gone(msg.OAuthOtherScope.Err(msg.Args{"Saved": sv.Scope, "Asked": c.scope}))
	}
	tok, err := s.token(ctx)
	if err != nil {
		return nil, err
	}
	if s.grant == GrantCode { // one check that the server still knows it
		s.introspected, err = c.Introspect(ctx, tok.AccessToken)
		switch {
		case errors.Is(err, ErrTokenRefused):
			return nil, flows.Gone(err)
		case err != nil:
			return nil, err
		}
	}
	return s, nil
}

// session holds the current token. mu serialises refreshes: the service
// rotates refresh tokens, so two refreshes with the same one would lose.
type session struct {
	client *Client
	rt     *flows.Runtime
	grant  string
	secret string // client credentials only; an input, never saved here

	mu       sync.Mutex
	tok      *xoauth2.Token
	lifetime time.Duration // of tok when this run got it; 0 when restored

	introspected *TokenInfo // what Restore's check answered, used once
}

// token returns a live access token, refreshing it automatically (and
// having the rotated one saved) when it expires within a minute.
func (s *session) token(ctx context.Context) (*xoauth2.Token, error) {
	s.mu.Lock()
	tok := s.tok
	if !tok.Expiry.IsZero() && !s.client.now().Add(s.margin()).Before(tok.Expiry) {
		if err := s.refreshLocked(ctx); err != nil {
			s.mu.Unlock()
			return nil, err
		}
		defer s.rt.SessionChanged(s) // after unlocking: saving reads Saved
		tok = s.tok
	}
	s.mu.Unlock()
	return tok, nil
}

// margin is how long before expiry a token is refreshed: a minute, or
// half the lifetime of a token this short (a sandbox's shortened one),
// which would otherwise be refreshed at every use.
func (s *session) margin() time.Duration {
	if s.lifetime > 0 {
		return min(refreshAhead, s.lifetime/2)
	}
	return refreshAhead
}

// setLocked makes tok the current token; the caller holds mu.
func (s *session) setLocked(tok *xoauth2.Token) {
	s.tok = tok
	s.lifetime = tok.Expiry.Sub(s.client.now())
}

// refreshLocked gets a new token; the caller holds mu. A refused refresh
// token means approving again: it is marked Gone.
func (s *session) refreshLocked(ctx context.Context) error {
	var tok *xoauth2.Token
	var err error
	switch {
	case s.grant == GrantClientCredentials && s.secret == "":
		return flows.Gone(msg.OAuthClientExpired.Err(msg.Args{"EnvVar": SecretEnvVar}))
	case s.grant == GrantClientCredentials:
		tok, err = s.client.ClientCredentials(ctx, s.secret)
	case s.tok.RefreshToken == "":
		return flows.Gone(msg.OAuthNoRefresh.Err(nil))
	default:
		tok, err = s.client.Refresh(ctx, s.tok.RefreshToken)
		if IsInvalidGrant(err) {
			return flows.Gone(msg.OAuthRefreshRefused.Err(nil))
		}
	}
	if err != nil {
		return err
	}
	s.setLocked(tok)
	return nil
}

// renew replaces refused, a token the server refused before its expiry,
// and has the new one saved; a token another call renewed meanwhile is
// the answer as it is.
func (s *session) renew(ctx context.Context, refused *xoauth2.Token) (*xoauth2.Token, error) {
	s.mu.Lock()
	if s.tok != refused {
		defer s.mu.Unlock()
		return s.tok, nil
	}
	err := s.refreshLocked(ctx)
	tok := s.tok
	s.mu.Unlock()
	if err != nil {
		return nil, err
	}
	s.rt.SessionChanged(s) // after unlocking: saving reads Saved
	return tok, nil
}

// RefreshToken renews the access token now (the window's Refresh now);
// the engine saves the session after it.
func (s *session) RefreshToken(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.refreshLocked(ctx)
}

// Fetch introspects the token: who it acts for, its scopes and expiry.
func (s *session) Fetch(ctx context.Context) (*flows.Result, error) {
	tok, err := s.token(ctx)
	if err != nil {
		return nil, err
	}
	facts := []flows.Fact{{Label: "Grant", Value: map[string]string{GrantCode: "authorization code (PKCE)", GrantClientCredentials: "client credentials"}[s.grant], Word: true}}
	user := json.RawMessage("null")
	scope := s.client.scope
	if s.grant == GrantCode { // introspect verifies delegated tokens only
		info := s.introspected
		s.introspected = nil
		if info == nil {
			if info, err = s.client.Introspect(ctx, tok.AccessToken); errors.Is(err, ErrTokenRefused) {
				// Expired or revoked before its time: renew it and ask once more.
				if tok, err = s.renew(ctx, tok); err == nil {
					info, err = s.client.Introspect(ctx, tok.AccessToken)
				}
			}
			if err != nil {
				return nil, err
			}
		}
		scope = oneline.Clean(info.Scope, 300)
		if len(info.User) > 0 && string(info.User) != "null" {
			var u User
			if err := json.Unmarshal(info.User, &u); err != nil {
				return nil, msg.OAuthUserNotUser.Err(msg.Args{"Call": msg.Call("introspect the access token")})
			}
			user = info.User
			facts = append(facts, userFacts(u)...)
		}
		facts = append(facts, flows.Fact{Label: "Scopes granted", Value: scope})
	} else {
		facts = append(facts, flows.Fact{Label: "Client id", Value: s.client.clientID}, flows.Fact{Label: "Scopes requested", Value: scope})
	}
	facts = append(facts, flows.Fact{Label: "Access token", Value: tok.AccessToken, Secret: true})
	type tokenOut struct {
		AccessToken string    `json:"access_token"`
		TokenType   string    `json:"token_type"`
		Expiry      time.Time `json:"expiry,omitzero"`
		Scope       string    `json:"scope"`
	}
	out, err := json.MarshalIndent(struct {
		Provider string          `json:"provider"`
		Token    tokenOut        `json:"token"`
		User     json.RawMessage `json:"user"`
	}{"oauth2", tokenOut{tok.AccessToken, tok.Type(), tok.Expiry.UTC(), scope}, user}, "", "  ")
	if err != nil {
		return nil, err
	}
	return &flows.Result{Provider: Name, Profile: facts, Expires: tok.Expiry, Output: append(out, '\n')}, nil
}

func userFacts(u User) []flows.Fact {
	clean := func(s string) string { return oneline.Clean(s, 200) }
	return []flows.Fact{
		{Label: "Name", Value: clean(strings.TrimSpace(u.FirstName + " " + u.LastName))},
		{Label: "Username", Value: clean(u.Username)},
		{Label: "Email", Value: clean(u.Email)},
		flows.YesNo("Verified", u.Verified),
		{Label: "Role", Value: clean(u.Role)},
		{Label: "User id", Value: clean(u.ID)},
	}
}

// Call sends one request with the current access token as Bearer.
func (s *session) Call(ctx context.Context, method, pathQuery string, body []byte) (*flows.CallResponse, error) {
	tok, err := s.token(ctx)
	if err != nil {
		return nil, err
	}
	resp, err := s.client.Send(ctx, method+" "+pathQuery, tok.AccessToken, method, pathQuery, nil, body)
	if err == nil && resp.Status == http.StatusUnauthorized { // refused before its expiry: renew, send once more
		if tok, err = s.renew(ctx, tok); err == nil {
			resp, err = s.client.Send(ctx, method+" "+pathQuery, tok.AccessToken, method, pathQuery, nil, body)
		}
	}
	if err != nil {
		return nil, err
	}
	return &flows.CallResponse{Status: resp.Status, Header: resp.Header, Body: resp.Body}, nil
}

// End cannot revoke: seed 002 documents no revocation call.
func (s *session) End(context.Context) error { return flows.ErrCannotEnd }

// Saved returns the current token, rotated refresh token included.
func (s *session) Saved() ([]byte, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return json.Marshal(saved{V: 1, AccessToken: s.tok.AccessToken, RefreshToken: s.tok.RefreshToken, TokenType: s.tok.TokenType,
		Expiry: s.tok.Expiry, Scope: s.client.scope, Grant: s.grant})
}

// TryAgain implements flows.Transient: a 429 or 503 asks to be sent again.
func (e *OAuthError) TryAgain() (int, time.Duration) {
	return flows.TransientStatus(e.Status), e.RetryAfter
}

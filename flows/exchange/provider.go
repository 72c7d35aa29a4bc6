package exchange

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/qexcompanion/qex-companion/flows"
	"github.com/qexcompanion/qex-companion/flows/msg"
	"github.com/qexcompanion/qex-companion/internal/callback"
)

// Input names.
const (
	FieldBroker = "broker"
	FieldScope  = "scope"
)

// DefaultScope is every scope EXchange has.
const DefaultScope = "profile history trade"

// Scopes EXchange knows.
var Scopes = []string{"profile", "history", "trade"}

// Name is the --provider value of this provider.
const Name = "exchange"

// Provider is EXchange, signed in through the partner's token broker, as a
// flows.Provider.
type Provider struct{}

// Info implements flows.Provider.
func (Provider) Info() flows.ProviderInfo {
	return flows.ProviderInfo{
		Name:           Name,
		Title:          "EXchange (through a token broker)",
		Brand:          "EXchange",
		ProductionBase: ProductionBaseURL,
		Fields: []flows.Field{
			{Name: FieldBroker, Label: "Token broker URL", Account: true, Check: checkBroker},
			{Name: FieldScope, Label: "Scope", Optional: true, Default: DefaultScope, Check: checkScope},
		},
	}
}

func checkBroker(v string) error {
	_, err := parseBrokerURL(v)
	return err
}

// splitScope splits scopes separated by spaces or '+', as EXchange takes
// them.
func splitScope(scope string) []string {
	return strings.FieldsFunc(scope, func(r rune) bool { return r == ' ' || r == '+' })
}

func checkScope(scope string) error {
	parts := splitScope(scope)
	for _, s := range parts {
		if !slices.Contains(Scopes, s) {
			parts = nil
			break
		}
	}
	if len(parts) == 0 {
		return msg.ExchangeBadScope.Err(nil)
	}
	return nil
}

func clients(rt *flows.Runtime, in flows.Inputs) (*Client, *Broker, error) {
	api, err := NewClient(rt.APIBase, rt.HTTP, rt.Now)
	if err != nil {
		return nil, nil, err
	}
	broker, err := NewBroker(in[FieldBroker], rt.HTTP, rt.Now)
	if err != nil {
		return nil, nil, err
	}
	return api, broker, nil
}

// Authorize has the broker start a sign-in, the user approve it on
// EXchange, and the broker exchange the code the browser brings back for
// the user token. The state is the receiver's own: its return URL carries
// it, and it delivers only a return whose state matches; the redirect_uri
// is that URL without it.
func (Provider) Authorize(ctx context.Context, rt *flows.Runtime, in flows.Inputs) (flows.Session, error) {
	api, broker, err := clients(rt, in)
	if err != nil {
		return nil, err
	}
	scope := strings.Join(splitScope(in[FieldScope]), " ")
	var (
		redirectURI, code string
		tok               UserToken
		grant             Grant
	)
	_, err = rt.Await(ctx, flows.Approval{
		URL: func(returnURL string) (string, error) {
			u, err := url.Parse(returnURL)
			if returnURL == "" || err != nil || u.Query().Get("state") == "" {
				return "", nil // no return address: Check says why
			}
			state := u.Query().Get("state")
			u.RawQuery = ""
			redirectURI = u.String()
			authorizeURL, err := broker.Start(ctx, redirectURI, scope, state)
			if err != nil {
				return "", err
			}
			rt.Emit(flows.Started{What: msg.ThingBrokerLogin, ID: broker.base.Host})
			return authorizeURL, nil
		},
		Arrived: func(res callback.Result) error {
			if res.Code == "" {
				return msg.ExchangeNoCode.Err(nil)
			}
			code = res.Code
			return nil
		},
		Check: func(ctx context.Context) error {
			switch {
			case redirectURI == "":
				return msg.ExchangeNeedsReturn.Err(nil)
			case code == "":
				return flows.NotYet(msg.ExchangeAwaiting.Err(nil))
			}
			var err error
			tok, grant, err = broker.Token(ctx, code, redirectURI)
			var be *BrokerError
			if errors.As(err, &be) && be.Status == http.StatusTooManyRequests {
				return flows.Retry(err, be.RetryAfter)
			}
			return err
		},
	})
	if err != nil {
		return nil, err
	}
	return &session{api: api, broker: broker, rt: rt, tok: tok, grant: grant}, nil
}

// saved is what the keychain keeps: the user token and the grant that
// renews it. Never the client id, secret or refresh token: the broker
// holds those.
type saved struct {
	V           int       `json:"v"`
	AccessKey   string    `json:"access_key"`
	SecretKey   string    `json:"secret_key"`
	ExpiresAt   time.Time `json:"expires_at,omitzero"`
	GrantID     string    `json:"grant_id"`
	GrantSecret string    `json:"grant_secret"`
}

// Restore checks a saved session with one signed members/me, which
// renews the user token through the broker if it expired. A grant the
// broker no longer knows, or keys EXchange refuses, are gone.
func (Provider) Restore(ctx context.Context, rt *flows.Runtime, in flows.Inputs, blob []byte) (flows.Session, error) {
	var sv saved
	if err := json.Unmarshal(blob, &sv); err != nil || sv.V != 1 || sv.AccessKey == "" || sv.SecretKey == "" || sv.GrantID == "" || sv.GrantSecret == "" {
		return nil, flows.Gone(msg.ExchangeUnreadable.Err(nil))
	}
	api, broker, err := clients(rt, in)
	if err != nil {
		return nil, err
	}
	s := &session{api: api, broker: broker, rt: rt,
		tok: UserToken{Key: Key{Access: sv.AccessKey, Secret: sv.SecretKey}, Expires: sv.ExpiresAt}, grant: Grant{ID: sv.GrantID, Secret: sv.GrantSecret}}
	s.member, err = api.Me(ctx, s)
	switch {
	case flows.IsGone(err):
		return nil, err
	case IsCode(err, CodeAuthorizationFailed), IsCode(err, CodeSignatureIncorrect), IsCode(err, CodeKeyUnknown),
		IsCode(err, CodeKeyDisabled), IsCode(err, CodeKeyExpired), IsCode(err, CodeOutOfScope):
		return nil, flows.Gone(err)
	case err != nil:
		return nil, err
	}
	return s, nil
}

// session holds the current user token; mu serialises renewals, so
// concurrent calls that meet 2010 renew it once.
type session struct {
	api    *Client
	broker *Broker
	rt     *flows.Runtime
	grant  Grant // fixed: the broker keeps the refresh token behind it

	mu  sync.Mutex
	tok UserToken

	member *Member // what Restore's check read, used once
}

// Current implements Keys.
func (s *session) Current() Key {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.tok.Key
}

// Renew implements Keys: the broker renews the user token, which the
// keychain then gets at once.
func (s *session) Renew(ctx context.Context, expired Key) (Key, error) {
	s.mu.Lock()
	if s.tok.Key != expired { // another call renewed it already
		defer s.mu.Unlock()
		return s.tok.Key, nil
	}
	err := s.refreshLocked(ctx)
	key := s.tok.Key
	s.mu.Unlock()
	if err != nil {
		return Key{}, err
	}
	s.rt.SessionChanged(s) // after unlocking: saving reads Saved
	return key, nil
}

// refreshLocked has the broker renew the user token; the caller holds mu.
func (s *session) refreshLocked(ctx context.Context) error {
	tok, err := s.broker.Refresh(ctx, s.grant)
	if IsInvalidGrant(err) {
		return flows.Gone(err)
	}
	if err != nil {
		return err
	}
	s.tok = tok
	return nil
}

// RefreshToken renews the user token now (the window's Refresh now); the
// engine saves the session after it.
func (s *session) RefreshToken(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.refreshLocked(ctx)
}

func (s *session) expires() time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.tok.Expires
}

// Fetch reads the member: the profile and the balances.
func (s *session) Fetch(ctx context.Context) (*flows.Result, error) {
	m := s.member
	s.member = nil
	if m == nil {
		var err error
		if m, err = s.api.Me(ctx, s); err != nil {
			return nil, err
		}
	}
	balances := &flows.Balances{Accounts: make([]flows.Account, len(m.Accounts))}
	for i, a := range m.Accounts {
		balances.Accounts[i] = flows.Account{Currency: strings.ToUpper(a.Currency), Balance: a.Balance, Reserved: a.Locked}
	}
	type member struct {
		SN    string `json:"sn"`
		Name  string `json:"name"`
		Email string `json:"email"`
	}
	out, err := json.MarshalIndent(struct {
		Provider string          `json:"provider"`
		Member   member          `json:"member"`
		Accounts []MemberAccount `json:"accounts"`
	}{"exchange", member{m.SN, m.Name, m.Email}, m.Accounts}, "", "  ")
	if err != nil {
		return nil, err
	}
	return &flows.Result{
		Provider: Name,
		Profile:  []flows.Fact{{Label: "Member SN", Value: m.SN}, {Label: "Name", Value: m.Name}, {Label: "Email", Value: m.Email}},
		Balances: balances,
		Expires:  s.expires(),
		Output:   append(out, '\n'),
	}, nil
}

// Call sends one signed APIv2 request (--call "GET /api/v2/..."),
// renewing an expired key through the broker and trying once more.
func (s *session) Call(ctx context.Context, method, pathQuery string, body []byte) (*flows.CallResponse, error) {
	resp, _, err := s.api.Do(ctx, method+" "+pathQuery, s, method, pathQuery, body)
	if err != nil {
		return nil, err
	}
	return &flows.CallResponse{Status: resp.Status, Header: resp.Header, Body: resp.Body}, nil
}

// End has the broker revoke the grant; one it no longer knows is over
// already.
func (s *session) End(ctx context.Context) error {
	err := s.broker.Revoke(ctx, s.grant)
	if IsInvalidGrant(err) {
		return flows.Gone(err)
	}
	return err
}

// Saved returns the current user token and the grant.
func (s *session) Saved() ([]byte, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return json.Marshal(saved{V: 1, AccessKey: s.tok.Key.Access, SecretKey: s.tok.Key.Secret, ExpiresAt: s.tok.Expires, GrantID: s.grant.ID, GrantSecret: s.grant.Secret})
}

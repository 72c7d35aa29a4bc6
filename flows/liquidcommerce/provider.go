package liquidcommerce

import (
	"context"
	"encoding/json"
	"strings"
	"time"

	"github.com/qexcompanion/qex-companion/flows"
	"github.com/qexcompanion/qex-companion/flows/msg"
)

// FieldAPIKey is the API key's input name.
const FieldAPIKey = "api-key"

// APIKeyEnvVar holds the API key in a terminal: never a flag.
const APIKeyEnvVar = "LIQUIDCOMMERCE_API_KEY"

// Name is the --provider value of this provider.
const Name = "liquidcommerce"

// Provider is LiquidCommerce API-key tokens as a flows.Provider.
//
// The API key is the only input and a secret, so no field is the Account:
// saved sessions are keyed by provider, environment and API base alone,
// and no secret reaches the settings file. The key is kept in the saved
// blob, which only the keychain holds, so a later run resumes and
// re-authenticates when the token expires without being given the key
// again; a different key given later replaces the saved session.
type Provider struct{}

// Info implements flows.Provider.
func (Provider) Info() flows.ProviderInfo {
	return flows.ProviderInfo{
		Name:           Name,
		Title:          "LiquidCommerce API",
		Brand:          "LiquidCommerce",
		ProductionBase: ProductionBaseURL,
		Fields: []flows.Field{
			// Optional: a saved session brings its key back; with none,
			// Authorize asks for it.
			{Name: FieldAPIKey, Label: "API key", Secret: true, EnvVar: APIKeyEnvVar, Optional: true, Check: checkAPIKey},
		},
	}
}

func checkAPIKey(key string) error {
	if len(key) > 512 || strings.ContainsFunc(key, func(r rune) bool { return r <= ' ' || r > '~' }) {
		return msg.CommerceBadKey.Err(nil)
	}
	return nil
}

// errNoKey: nothing to authenticate with.
var errNoKey error = msg.CommerceEnterKey.Err(msg.Args{"EnvVar": APIKeyEnvVar})

func newClient(rt *flows.Runtime, apiKey string, tok Token) (*Client, error) {
	return NewClient(rt.APIBase, apiKey, WithHTTPClient(rt.HTTP), WithClock(rt.Now), WithToken(tok))
}

// Authorize buys an access token with the API key: there is nothing for
// the user to approve.
func (Provider) Authorize(ctx context.Context, rt *flows.Runtime, in flows.Inputs) (flows.Session, error) {
	key := in[FieldAPIKey]
	if key == "" { // a missing input: bad usage, named before anything is sent
		return nil, &flows.FieldError{Field: FieldAPIKey, Err: errNoKey}
	}
	c, err := newClient(rt, key, Token{})
	if err != nil {
		return nil, err
	}
	tok, err := c.Authenticate(ctx)
	if err != nil {
		return nil, err
	}
	var request any // the server's id of the request that bought it, if it gave one
	if id := c.Metadata().RequestID; id != "" {
		request = msg.CommerceRequest.New(msg.Args{"ID": id})
	}
	rt.Emit(flows.Started{What: msg.ThingAccessToken, ID: request, Expires: tok.Expires})
	return &session{client: c, apiKey: key}, nil
}

// savedToken is what the keychain keeps: the token and the key that
// renews it.
type savedToken struct {
	V         int    `json:"v"`
	APIKey    string `json:"api_key"`
	Token     string `json:"token"`
	Type      string `json:"type"`
	Exp       int64  `json:"exp"` // epoch milliseconds, as the server sent it
	RequestID string `json:"request_id,omitempty"`
}

// Restore resumes a saved token with no call while it is valid (the next
// business call renews it when it is close to its end), and buys a new one
// with the key only when it has expired.
func (Provider) Restore(ctx context.Context, rt *flows.Runtime, in flows.Inputs, blob []byte) (flows.Session, error) {
	var saved savedToken
	if err := json.Unmarshal(blob, &saved); err != nil || saved.V != 1 || saved.APIKey == "" || saved.Token == "" {
		return nil, flows.Gone(msg.CommerceUnreadable.Err(nil))
	}
	key := in[FieldAPIKey]
	switch {
	case key == "":
		key = saved.APIKey
	case key != saved.APIKey:
		return nil, flows.Gone(msg.CommerceOtherKey.Err(nil))
	}
	c, err := newClient(rt, key, Token{Value: saved.Token, Type: saved.Type, Expires: time.UnixMilli(saved.Exp)})
	if err != nil {
		return nil, err
	}
	c.meta.RequestID = saved.RequestID
	s := &session{client: c, apiKey: key}
	if err := s.ensureValid(ctx); err != nil {
		if IsUnauthorized(err) {
			return nil, flows.Gone(msg.CommerceKeyRefused.Err(msg.Args{"Err": err, "EnvVar": APIKeyEnvVar}, err))
		}
		return nil, err
	}
	return s, nil
}

type session struct {
	client *Client
	apiKey string
}

// ensureValid buys a new token with the key only when the one held has
// expired: one close to its end is renewed by the next business call's
// "refresh": true, which costs no call to the rate-limited Authentication
// API.
func (s *session) ensureValid(ctx context.Context) error {
	if !s.client.expired() {
		return nil
	}
	_, err := s.client.Authenticate(ctx)
	return err
}

// Fetch shows the token, buying a new one first when it has expired.
func (s *session) Fetch(ctx context.Context) (*flows.Result, error) {
	if err := s.ensureValid(ctx); err != nil {
		return nil, err
	}
	tok, meta := s.client.Token(), s.client.Metadata()
	profile := []flows.Fact{
		tokenType(tok.Type),
		{Label: "Access token", Value: tok.Value, Secret: true},
		{Label: "Expires", Value: tok.Expires.Local().Format("2 Jan 2006 15:04:05 MST"), At: tok.Expires},
	}
	for _, f := range []flows.Fact{{Label: "Request id", Value: meta.RequestID}, {Label: "API version", Value: meta.Version}, {Label: "Timezone", Value: meta.Timezone}} {
		if f.Value != "" {
			profile = append(profile, f)
		}
	}
	type token struct {
		AccessToken string `json:"access_token"`
		Type        string `json:"type"`
		Expiry      string `json:"expiry"`
	}
	out, err := json.MarshalIndent(struct {
		Provider string `json:"provider"`
		Token    token  `json:"token"`
	}{"liquidcommerce", token{tok.Value, tok.Type, tok.Expires.UTC().Format(time.RFC3339Nano)}}, "", "  ")
	if err != nil {
		return nil, err
	}
	return &flows.Result{Provider: Name, Profile: profile, Expires: tok.Expires, Output: append(out, '\n')}, nil
}

// Call sends one request with the Bearer token, under the seed's refresh
// rules (Client.Do).
func (s *session) Call(ctx context.Context, method, pathQuery string, body []byte) (*flows.CallResponse, error) {
	resp, err := s.client.Do(ctx, method, pathQuery, body)
	if IsUnauthorized(err) { // the token was refused, and so was buying another
		return nil, flows.Gone(msg.CommerceRenewFailed.Err(msg.Args{"Err": err}, err))
	}
	if err != nil {
		return nil, err
	}
	return &flows.CallResponse{Status: resp.Status, Header: resp.Header, Body: resp.Body}, nil
}

// RefreshToken buys a new token with the key: the documented refresh rides
// on a business call, which a refresh on demand has none of.
func (s *session) RefreshToken(ctx context.Context) error {
	_, err := s.client.Authenticate(ctx)
	return err
}

// End cannot revoke anything: the documents give no call for it.
func (s *session) End(context.Context) error { return flows.ErrCannotEnd }

// Saved implements flows.Session.
func (s *session) Saved() ([]byte, error) {
	tok := s.client.Token()
	return json.Marshal(savedToken{V: 1, APIKey: s.apiKey, Token: tok.Value, Type: tok.Type, Exp: tok.Expires.UnixMilli(), RequestID: s.client.Metadata().RequestID})
}

// TryAgain implements flows.Transient: a 429 or 503 asks to be sent again.
func (e *APIError) TryAgain() (int, time.Duration) {
	return flows.TransientStatus(e.Status), e.RetryAfter
}

// tokenType says the token's type in words people read ("access token",
// which the window translates) rather than the API's ACCESS_TOKEN; a type
// the seed does not name is shown as the server sent it.
func tokenType(typ string) flows.Fact {
	if typ == "ACCESS_TOKEN" {
		return flows.Fact{Label: "Token type", Value: "access token", Word: true}
	}
	return flows.Fact{Label: "Token type", Value: typ}
}

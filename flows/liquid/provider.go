package liquid

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/qexcompanion/qex-companion/flows"
	"github.com/qexcompanion/qex-companion/flows/accounts"
	"github.com/qexcompanion/qex-companion/flows/msg"
	"github.com/qexcompanion/qex-companion/internal/oneline"
)

// Input names.
const (
	FieldTokenID     = "token-id"
	FieldTokenSecret = "token-secret"
)

// SecretEnvVar holds the token secret in a terminal: never a flag.
const SecretEnvVar = "LIQUID_TOKEN_SECRET"

// Name is the --provider value of this provider.
const Name = "liquid"

// Provider is Liquid exchange OAuth requests as a flows.Provider.
type Provider struct{}

// Info implements flows.Provider.
func (Provider) Info() flows.ProviderInfo {
	return flows.ProviderInfo{
		Name:           Name,
		Title:          "Liquid exchange OAuth request",
		Brand:          "Liquid",
		ProductionBase: ProductionBaseURL,
		Fields: []flows.Field{
			{Name: FieldTokenID, Label: "API token id", Placeholder: "123456", Account: true, Check: checkTokenID},
			{Name: FieldTokenSecret, Label: "API token secret", Secret: true, EnvVar: SecretEnvVar, Check: checkTokenSecret},
		},
	}
}

func checkTokenID(id string) error {
	if len(id) > 64 || strings.IndexFunc(id, func(r rune) bool { return r <= ' ' || r > '~' }) >= 0 {
		return msg.LiquidBadTokenID.Err(nil)
	}
	return nil
}

func checkTokenSecret(secret string) error {
	if len(secret) > 512 || strings.IndexFunc(secret, func(r rune) bool { return r < ' ' || r == 0x7f }) >= 0 {
		return msg.LiquidBadSecret.Err(nil)
	}
	return nil
}

func tokenOf(in flows.Inputs) Token {
	return Token{ID: in[FieldTokenID], Secret: in[FieldTokenSecret]}
}

func newClient(rt *flows.Runtime) (*Client, error) {
	return NewClient(rt.APIBase, WithHTTPClient(rt.HTTP), WithClock(rt.Now))
}

// Authorize creates an OAuth request, has the user approve it at its
// app_challenge_href, and notices the approval by polling /user/context:
// the documents give no return address.
func (Provider) Authorize(ctx context.Context, rt *flows.Runtime, in flows.Inputs) (flows.Session, error) {
	c, err := newClient(rt)
	if err != nil {
		return nil, err
	}
	tok := tokenOf(in)
	req, err := c.CreateOAuthRequest(ctx, tok, "qex-companion")
	if err != nil {
		return nil, err
	}
	rt.Emit(flows.Started{What: msg.ThingOAuth, ID: oneline.Field(req.PublicID, 80), Expires: req.Expires})
	wait := ctx
	if !req.Expires.IsZero() {
		var cancel context.CancelFunc
		wait, cancel = rt.Until(ctx, req.Expires)
		defer cancel()
	}
	// The check that finds the request approved has read the profile:
	// the result shows it instead of asking again.
	s := &session{client: c, token: tok, saved: savedGrant{V: 1, PublicID: req.PublicID, PrivateID: req.PrivateID, Expires: req.Expires}}
	_, err = rt.Await(wait, flows.Approval{
		URL:      func(string) (string, error) { return req.AppChallengeHref, nil },
		NoReturn: true, // the documents give no return address
		Check: func(ctx context.Context) error {
			var err error
			s.user, s.rawUser, err = c.UserContext(ctx, tok, req.Grant)
			return classify(err)
		},
	})
	if err != nil {
		if ctx.Err() == nil && wait.Err() != nil { // the request's own deadline ended the wait
			return nil, msg.LiquidExpiredAt.Err(msg.Args{"At": req.Expires.Local().Format("15:04:05")})
		}
		return nil, err
	}
	return s, nil
}

// classify tells a check's failure: 401 before approval keeps waiting, a
// denial or expiry ends it; rate limits and server trouble are retried.
func classify(err error) error {
	var apiErr *APIError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &apiErr) && apiErr.Status == http.StatusUnauthorized:
		said := strings.ToLower(apiErr.Message)
		switch {
		case strings.Contains(said, "denied"):
			return msg.LiquidDenied.Err(msg.Args{"Said": msg.Said(apiErr.Message)})
		case strings.Contains(said, "expired"):
			return flows.Gone(msg.LiquidExpired.Err(msg.Args{"Said": msg.Said(apiErr.Message)}))
		}
		return flows.NotYet(msg.ServerSays.Err(msg.Args{"Said": msg.Said(apiErr.detail())}))
	case errors.As(err, &apiErr) && (apiErr.Status == http.StatusTooManyRequests || apiErr.Status >= 500):
		return flows.Retry(err, apiErr.RetryAfter)
	case errors.As(err, new(*APIError)), errors.As(err, new(*MalformedResponseError)):
		return err
	}
	return flows.Retry(err, 0) // the network: try again
}

// savedGrant is what the keychain keeps of an approved request. The token
// secret is an input, kept on its own.
type savedGrant struct {
	V         int       `json:"v"`
	PublicID  string    `json:"public_id"`
	PrivateID string    `json:"private_id"`
	Expires   time.Time `json:"expires,omitzero"`
}

// Restore checks a saved approved request with one signed /user/context.
func (Provider) Restore(ctx context.Context, rt *flows.Runtime, in flows.Inputs, blob []byte) (flows.Session, error) {
	var saved savedGrant
	if err := json.Unmarshal(blob, &saved); err != nil || saved.V != 1 || saved.PublicID == "" || saved.PrivateID == "" {
		return nil, flows.Gone(msg.LiquidUnreadable.Err(nil))
	}
	c, err := newClient(rt)
	if err != nil {
		return nil, err
	}
	s := &session{client: c, token: tokenOf(in), saved: saved}
	s.user, s.rawUser, err = c.UserContext(ctx, s.token, s.grant())
	switch {
	case IsUnauthorized(err):
		return nil, flows.Gone(err)
	case err != nil:
		return nil, err
	}
	return s, nil
}

type session struct {
	client *Client
	token  Token
	saved  savedGrant
	// user and rawUser are the profile the approving or Restore's check
	// fetched, used once.
	user    *UserContext
	rawUser json.RawMessage
}

func (s *session) grant() Grant {
	return Grant{PublicID: s.saved.PublicID, PrivateID: s.saved.PrivateID}
}

// Fetch reads the user's profile and accounts.
func (s *session) Fetch(ctx context.Context) (*flows.Result, error) {
	user, rawUser := s.user, s.rawUser
	s.user, s.rawUser = nil, nil
	if user == nil {
		var err error
		if user, rawUser, err = s.client.UserContext(ctx, s.token, s.grant()); err != nil {
			return nil, err
		}
	}
	rawAccounts, err := s.client.Accounts(ctx, s.token, s.grant())
	if err != nil {
		return nil, err
	}
	var acc accounts.Accounts
	if err := json.Unmarshal(rawAccounts, &acc); err != nil {
		return nil, &MalformedResponseError{Call: "fetch accounts", Status: http.StatusOK, Reason: shortJSONError(err)}
	}
	type oauthRequest struct {
		PublicID string    `json:"public_id"`
		Expires  time.Time `json:"expires,omitzero"`
	}
	out, err := json.MarshalIndent(struct {
		Provider     string          `json:"provider"`
		OAuthRequest oauthRequest    `json:"oauth_request"`
		User         json.RawMessage `json:"user"`
		Accounts     json.RawMessage `json:"accounts"`
	}{"liquid", oauthRequest{s.saved.PublicID, s.saved.Expires}, rawUser, rawAccounts}, "", "  ")
	if err != nil {
		return nil, err
	}
	return &flows.Result{
		Provider: Name,
		Profile:  profile(user),
		Balances: acc.Balances(),
		Output:   append(out, '\n'),
	}, nil
}

func profile(u *UserContext) []flows.Fact {
	return []flows.Fact{
		{Label: "Name", Value: strings.TrimSpace(u.FirstName + " " + u.LastName)},
		{Label: "Email", Value: u.Email},
		{Label: "Country", Value: u.Country},
		{Label: "KYC status", Value: u.Status},
		flows.YesNo("Fully verified", u.IsFullyVerified),
		flows.YesNo("ID document", u.HasIDDocument),
		flows.YesNo("Proof of address", u.HasProofAddress),
		{Label: "User id", Value: string(u.UserID)},
	}
}

// Call sends one request signed with the token and the request's ids.
func (s *session) Call(ctx context.Context, method, pathQuery string, body []byte) (*flows.CallResponse, error) {
	g := s.grant()
	resp, err := s.client.Send(ctx, method+" "+pathQuery, s.token, &g, method, pathQuery, body)
	if err != nil {
		return nil, err
	}
	return &flows.CallResponse{Status: resp.Status, Header: resp.Header, Body: resp.Body}, nil
}

// End forgets nothing remotely: the documents give no call that revokes an
// OAuth request.
func (s *session) End(context.Context) error { return flows.ErrCannotEnd }

// Saved implements flows.Session.
func (s *session) Saved() ([]byte, error) { return json.Marshal(s.saved) }

// TryAgain implements flows.Transient: a 429 or 503 asks to be sent again.
func (e *APIError) TryAgain() (int, time.Duration) {
	return flows.TransientStatus(e.Status), e.RetryAfter
}

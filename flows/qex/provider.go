package qex

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/qexcompanion/qex-companion/flows"
	"github.com/qexcompanion/qex-companion/flows/accounts"
	"github.com/qexcompanion/qex-companion/flows/msg"
	"github.com/qexcompanion/qex-companion/internal/oneline"
	"github.com/qexcompanion/qex-companion/widgetcfg"
	"github.com/qexcompanion/qex-companion/widgetcfg/host"
)

// Name is the --provider value of QEX partner sessions.
const Name = "qex"

// FieldPublicAPIKey is the provider's one input: the partner's public key.
const FieldPublicAPIKey = "public-api-key"

// Provider is QEX partner sessions as a flows.Provider: create a session,
// have the user approve it in the browser, show their balances and the
// widget identity configuration.
type Provider struct{}

// Info implements flows.Provider.
func (Provider) Info() flows.ProviderInfo {
	return flows.ProviderInfo{
		Name:           Name,
		Title:          "QEX partner session",
		Brand:          "Liquid",
		ProductionBase: ProductionBaseURL,
		Widget:         true,
		Fields: []flows.Field{
			{Name: FieldPublicAPIKey, Label: "Public API key", Placeholder: "pk_xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx", Account: true, Check: CheckPublicAPIKey},
		},
	}
}

// Bounds of a public API key's length; the sandbox's is 47 characters.
const (
	minPublicAPIKey = 8
	maxPublicAPIKey = 200
)

// CheckPublicAPIKey is the one rule for a partner's public API key, wherever
// one is typed: pk_, then only ASCII letters, digits, _ and -, 8 to 200
// characters in all. The key goes into every request and the widget
// configuration, so anything else is a paste gone wrong.
func CheckPublicAPIKey(key string) error {
	valid := strings.HasPrefix(key, "pk_") && len(key) >= minPublicAPIKey && len(key) <= maxPublicAPIKey
	for _, c := range []byte(key) {
		valid = valid && ('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_' || c == '-')
	}
	if valid {
		return nil
	}
	if strings.HasPrefix(key, "sk_") {
		return msg.QEXSecretKey.Err(nil)
	}
	if len(key) > maxPublicAPIKey {
		return msg.QEXLongKey.Err(msg.Args{"Length": len(key), "Min": minPublicAPIKey, "Max": maxPublicAPIKey})
	}
	return msg.QEXNotPublicKey.Err(msg.Args{"Key": key, "Min": minPublicAPIKey, "Max": maxPublicAPIKey})
}

func newClient(rt *flows.Runtime) (*Client, error) {
	return NewClient(rt.APIBase, WithHTTPClient(rt.HTTP), WithClock(rt.Now))
}

// Authorize creates a session and waits until the user approved it: the
// approval page may send the browser back, or end on a page telling the
// user to return by hand, so approval is also checked by polling.
func (Provider) Authorize(ctx context.Context, rt *flows.Runtime, in flows.Inputs) (flows.Session, error) {
	c, err := newClient(rt)
	if err != nil {
		return nil, err
	}
	key := in[FieldPublicAPIKey]
	created, err := c.CreateSession(ctx, key)
	if err != nil {
		return nil, explainCreateError(err, c.BaseURL())
	}
	rt.Emit(flows.Started{What: msg.ThingSession, ID: oneline.Field(created.SessionID, 80), Environment: oneline.Field(created.Environment, 20)})
	s := &session{client: c, publicAPIKey: key, cred: created.Credentials()}
	_, err = rt.Await(ctx, flows.Approval{
		URL: func(returnURL string) (string, error) { return c.ApprovalURL(created.SessionID, returnURL), nil },
		// The accounts call answers 401 until the user approves; the
		// accounts it then returns are the first result.
		Check: func(ctx context.Context) (err error) {
			s.fetched, err = c.Accounts(ctx, s.cred)
			return classify(err)
		},
	})
	if err != nil {
		return nil, err
	}
	return s, nil
}

// classify tells what a failed approval check means for the wait.
func classify(err error) error {
	var apiErr *APIError
	var malformed *MalformedResponseError
	switch {
	case err == nil:
		return nil
	case IsUnauthorized(err):
		errors.As(err, &apiErr)
		if apiErr.Message != "" {
			return flows.NotYet(msg.ServerSays.Err(msg.Args{"Said": msg.Said(apiErr.Message)}))
		}
		return flows.NotYet(msg.NotApprovedYet.Err(nil))
	case IsNotFound(err): // it ended, or expired: a new one must be approved
		return flows.Gone(msg.QEXGone.Err(msg.Args{"Err": err}, err))
	case errors.As(err, &apiErr) && (apiErr.Status == http.StatusTooManyRequests || apiErr.Status >= 500):
		return flows.Retry(err, apiErr.RetryAfter)
	case errors.As(err, &apiErr), errors.As(err, &malformed):
		return err
	}
	return flows.Retry(err, 0) // the network: try again
}

// explainCreateError says what to do when the server refuses to create a
// session.
func explainCreateError(err error, base string) error {
	var apiErr *APIError
	if !errors.As(err, &apiErr) {
		return err
	}
	// The status and the server's words, as the server's: "HTTP 401: "…"".
	said := "HTTP " + strconv.Itoa(apiErr.Status)
	if apiErr.Message != "" {
		said += ": " + strconv.Quote(apiErr.Message)
	}
	var kind msg.Kind
	switch status := apiErr.Status; {
	case status == http.StatusUnauthorized || status == http.StatusForbidden:
		kind = msg.QEXKeyRefused
	case status == http.StatusNotFound:
		kind = msg.QEXNoAPI
	case status == http.StatusTooManyRequests:
		kind = msg.QEXBusy
	case status >= 500:
		kind = msg.QEXFailed
	default:
		return err
	}
	return kind.Err(msg.Args{"Call": msg.Call(apiErr.Call), "Base": base, "Said": msg.Said(said), "Retry": msg.RetryAfter(apiErr.RetryAfter)}, err)
}

// savedSession is what the keychain keeps of a session (version 1). Saves
// from before providers had no "v" and the same fields, so they still load.
type savedSession struct {
	V             int    `json:"v"`
	SessionID     string `json:"session_id"`
	SessionSecret string `json:"session_secret"`
}

// Restore checks a saved session with one signed accounts call.
func (Provider) Restore(ctx context.Context, rt *flows.Runtime, in flows.Inputs, blob []byte) (flows.Session, error) {
	var saved savedSession
	if err := json.Unmarshal(blob, &saved); err != nil || saved.V > 1 || saved.SessionID == "" || saved.SessionSecret == "" {
		return nil, flows.Gone(msg.QEXUnreadable.Err(nil))
	}
	c, err := newClient(rt)
	if err != nil {
		return nil, err
	}
	s := &session{client: c, publicAPIKey: in[FieldPublicAPIKey], cred: Credentials{SessionID: saved.SessionID, SessionSecret: saved.SessionSecret}}
	s.fetched, err = c.Accounts(ctx, s.cred)
	switch {
	case IsNotFound(err) || IsUnauthorized(err):
		return nil, flows.Gone(err)
	case err != nil:
		return nil, err
	}
	return s, nil
}

// session is an approved QEX partner session.
type session struct {
	client       *Client
	publicAPIKey string
	cred         Credentials
	fetched      *accounts.Accounts // the accounts the approval check returned, used once
}

// Fetch returns the balances and the widget configuration.
func (s *session) Fetch(ctx context.Context) (*flows.Result, error) {
	acc := s.fetched
	s.fetched = nil
	if acc == nil {
		var err error
		if acc, err = s.client.Accounts(ctx, s.cred); err != nil {
			return nil, err
		}
	}
	cfg := widgetcfg.ForSession(s.publicAPIKey, s.cred.SessionID, s.cred.SessionSecret)
	out, err := cfg.MarshalIndent()
	if err != nil {
		return nil, err
	}
	script := s.client.BaseURL() + host.ScriptPath
	if s.client.BaseURL() == ProductionBaseURL {
		script = host.ProductionScriptURL
	}
	return &flows.Result{
		Provider: Name,
		Balances: acc.Balances(),
		Widget:   &flows.Widget{Config: cfg, ScriptURL: script},
		Output:   out,
	}, nil
}

// Call sends one signed request; "{session_id}" in pathQuery stands for
// the session's id, which the user cannot know.
func (s *session) Call(ctx context.Context, method, pathQuery string, body []byte) (*flows.CallResponse, error) {
	pathQuery = strings.ReplaceAll(pathQuery, "{session_id}", s.cred.SessionID)
	resp, err := s.client.Call(ctx, s.cred, method, pathQuery, body)
	if err != nil {
		return nil, err
	}
	return &flows.CallResponse{Status: resp.Status, Header: resp.Header, Body: resp.Body}, nil
}

// End terminates the session on the server; one the server no longer
// knows is already over.
func (s *session) End(ctx context.Context) error {
	err := s.client.Terminate(ctx, s.cred)
	if IsNotFound(err) {
		return flows.Gone(err)
	}
	return err
}

// Saved implements flows.Session.
func (s *session) Saved() ([]byte, error) {
	return json.Marshal(savedSession{V: 1, SessionID: s.cred.SessionID, SessionSecret: s.cred.SessionSecret})
}

// TryAgain implements flows.Transient: a 429 or 503 asks to be sent again.
func (e *APIError) TryAgain() (int, time.Duration) {
	return flows.TransientStatus(e.Status), e.RetryAfter
}

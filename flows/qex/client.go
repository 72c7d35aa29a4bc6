// Package qex is a client for the QEX (Quick Exchange) partner API: sessions,
// their approval URL, and the calls signed with a session's secret.
package qex

import (
	"context"
	"encoding/json"
	"errors"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/qexcompanion/qex-companion/flows/accounts"
	"github.com/qexcompanion/qex-companion/flows/internal/nonce"
	"github.com/qexcompanion/qex-companion/flows/msg"

	"github.com/qexcompanion/qex-companion/internal/apihttp"
	"github.com/qexcompanion/qex-companion/internal/oneline"
)

// ProductionBaseURL is where the production QEX partner API lived.
const ProductionBaseURL = "https://partners.liquid.com"

// apiPrefix starts every API path, and the "path" claim of every signed call.
const apiPrefix = "/api/v1"

// Client talks to one QEX partner API server. It is safe for concurrent use.
type Client struct {
	base *url.URL
	http *http.Client
	now  func() time.Time
}

// nonces are per session id, for every client in the process: the server
// wants them to increase per session whichever client makes the call.
var nonces nonce.Sequence

// Option configures a Client.
type Option func(*Client)

// WithHTTPClient makes the client send requests through hc (for example one
// whose transport records exchanges for the inspector).
func WithHTTPClient(hc *http.Client) Option { return func(c *Client) { c.http = hc } }

// WithClock replaces the clock that nonces are taken from (tests).
func WithClock(now func() time.Time) Option { return func(c *Client) { c.now = now } }

// NewClient returns a client for the server at baseURL, the origin the API is
// served from (for example https://partners.liquid.com); a trailing /api/v1
// is accepted too.
func NewClient(baseURL string, opts ...Option) (*Client, error) {
	base, err := ParseBaseURL(baseURL)
	if err != nil {
		return nil, err
	}
	c := &Client{
		base: base,
		http: &http.Client{Timeout: apihttp.DefaultTimeout, CheckRedirect: apihttp.CheckRedirect},
		now:  time.Now,
	}
	for _, o := range opts {
		o(c)
	}
	return c, nil
}

// ParseBaseURL checks s as apihttp.ParseBaseURL does and returns it
// without /api/v1, which every call adds.
func ParseBaseURL(s string) (*url.URL, error) {
	u, err := apihttp.ParseBaseURL(s, ProductionBaseURL)
	if err != nil {
		return nil, err
	}
	u.Path = strings.TrimSuffix(u.Path, apiPrefix)
	return u, nil
}

// BaseURL returns the server origin this client talks to.
func (c *Client) BaseURL() string { return c.base.String() }

// APIError is a response the server sent that is not a success: a non-2xx
// status or an envelope with success false. Message quotes the server.
type APIError struct {
	Call    string // what was asked, e.g. "create session"
	Status  int
	Message string
	// RetryAfter is how long the server asked to wait (Retry-After on a
	// 429 or 503), capped at apihttp.MaxRetryAfter; zero when it did not say.
	RetryAfter time.Duration
}

func (e *APIError) Error() string { return e.Msg().String() }

// Msg is the error as a message: the call, the status and what the
// server said.
func (e *APIError) Msg() msg.Message {
	said := e.Message
	if said == "" {
		said = http.StatusText(e.Status)
	}
	return msg.QEXAnswered.New(msg.Args{"Call": msg.Call(e.Call), "Status": e.Status, "Said": msg.Said(said)})
}

// IsNotFound reports whether err is the server saying the session (or
// resource) does not exist: it was never created, was terminated or expired.
func IsNotFound(err error) bool { return hasStatus(err, http.StatusNotFound) }

// IsUnauthorized reports whether err is a 401: before approval, the session
// cannot be used yet.
func IsUnauthorized(err error) bool { return hasStatus(err, http.StatusUnauthorized) }

func hasStatus(err error, status int) bool {
	var apiErr *APIError
	return errors.As(err, &apiErr) && apiErr.Status == status
}

// MalformedResponseError is a response that is not the documented JSON.
type MalformedResponseError struct {
	Call   string
	Status int
	Reason msg.Message
}

func (e *MalformedResponseError) Error() string { return e.Msg().String() }

func (e *MalformedResponseError) Msg() msg.Message {
	return msg.QEXMalformed.New(msg.Args{"Call": msg.Call(e.Call), "Status": e.Status, "Reason": e.Reason})
}

// CreateSession creates a partner session for publicAPIKey.
func (c *Client) CreateSession(ctx context.Context, publicAPIKey string) (*Session, error) {
	const call = "create session"
	body, err := json.Marshal(map[string]string{"public_api_key": publicAPIKey})
	if err != nil {
		return nil, err
	}
	var s Session
	if err := c.do(ctx, call, http.MethodPost, apiPrefix+"/session", body, "", &s); err != nil {
		return nil, err
	}
	if s.SessionID == "" || s.SessionSecret == "" {
		return nil, &MalformedResponseError{Call: call, Status: http.StatusOK, Reason: msg.Missing.New(msg.Args{"Field": msg.Or.New(msg.Args{"A": "session_id", "B": "session_secret"})})}
	}
	return &s, nil
}

// ApprovalURL is the page where the user approves the session in a browser.
// With returnURL empty, the server ends on a page telling the user to go back
// to the app by hand.
func (c *Client) ApprovalURL(sessionID, returnURL string) string {
	q := url.Values{"preferred_action": {"follow_href"}}
	if returnURL != "" {
		q.Set("return_url", returnURL)
	}
	return c.base.String() + sessionPath(sessionID, "liquid_oauth") + "?" + q.Encode()
}

// Accounts fetches the user's crypto and fiat accounts. Before the user has
// approved the session it fails with a 401 (see IsUnauthorized).
func (c *Client) Accounts(ctx context.Context, cred Credentials) (*accounts.Accounts, error) {
	var a accounts.Accounts
	if err := c.signed(ctx, "fetch accounts", cred, sessionPath(cred.SessionID, "accounts"), &a); err != nil {
		return nil, err
	}
	return &a, nil
}

// Account fetches one account by currency code, with its deposit address.
func (c *Client) Account(ctx context.Context, cred Credentials, currency string) (*accounts.Account, error) {
	var a accounts.Account
	p := sessionPath(cred.SessionID, "accounts", currency) + "?require_address=true"
	if err := c.signed(ctx, "fetch "+currency+" account", cred, p, &a); err != nil {
		return nil, err
	}
	return &a, nil
}

// KYCState fetches the user's KYC progress.
func (c *Client) KYCState(ctx context.Context, cred Credentials) (*KYCState, error) {
	var k KYCState
	if err := c.signed(ctx, "fetch KYC state", cred, sessionPath(cred.SessionID, "kyc_state"), &k); err != nil {
		return nil, err
	}
	return &k, nil
}

// Terminate ends the session on the server.
func (c *Client) Terminate(ctx context.Context, cred Credentials) error {
	var ok bool
	if err := c.signed(ctx, "terminate session", cred, sessionPath(cred.SessionID, "terminate"), &ok); err != nil {
		return err
	}
	if !ok {
		return &MalformedResponseError{Call: "terminate session", Status: http.StatusOK, Reason: msg.PayloadNotTrue.New(nil)}
	}
	return nil
}

// SettlementCurrencies lists the currencies the partner can settle in. The
// call is not signed.
func (c *Client) SettlementCurrencies(ctx context.Context, publicAPIKey string) ([]SettlementCurrency, error) {
	var list []SettlementCurrency
	p := apiPrefix + "/settlement/currencies?" + url.Values{"public_api_key": {publicAPIKey}}.Encode()
	if err := c.do(ctx, "list settlement currencies", http.MethodGet, p, nil, "", &list); err != nil {
		return nil, err
	}
	return list, nil
}

// sessionPath returns /api/v1/session/{id}/{parts...}, each part escaped.
func sessionPath(sessionID string, parts ...string) string {
	p := apiPrefix + "/session/" + url.PathEscape(sessionID)
	for _, part := range parts {
		p += "/" + url.PathEscape(part)
	}
	return p
}

// signed makes a GET whose Authorization header carries a JWT over
// requestURI (path and query, as the server sees them after the origin).
func (c *Client) signed(ctx context.Context, call string, cred Credentials, requestURI string, out any) error {
	token, err := c.Sign(cred, requestURI)
	if err != nil {
		return msg.CallFailed.Err(msg.Args{"Call": msg.Call(call), "Err": err}, err)
	}
	return c.do(ctx, call, http.MethodGet, requestURI, nil, token, out)
}

// SessionClaims are exactly the claims of a signed session call. The
// registered claims are all left empty, so none is written.
type SessionClaims struct {
	Path      string `json:"path"`
	SessionID string `json:"session_id"`
	Nonce     int64  `json:"nonce"`
	jwt.RegisteredClaims
}

// Sign returns the bearer token for a call to requestURI: HS256 over the
// session secret, with a nonce in epoch milliseconds that strictly increases
// per session even when calls fall in the same millisecond.
func (c *Client) Sign(cred Credentials, requestURI string) (string, error) {
	if cred.SessionID == "" || cred.SessionSecret == "" {
		return "", msg.QEXNoSession.Err(nil)
	}
	claims := SessionClaims{Path: requestURI, SessionID: cred.SessionID, Nonce: nonces.Next(cred.SessionID, c.now())}
	return jwt.NewWithClaims(jwt.SigningMethodHS256, claims).SignedString([]byte(cred.SessionSecret))
}

// Response is a server's answer, whatever its status.
type Response = apihttp.Response

// Call sends one request signed for the session to requestURI (path and
// query from /api/v1 on), with body as JSON when not nil, and returns the
// answer whatever its status; an error means no whole answer came.
func (c *Client) Call(ctx context.Context, cred Credentials, method, requestURI string, body []byte) (*Response, error) {
	call := method + " " + requestURI
	token, err := c.Sign(cred, requestURI)
	if err != nil {
		return nil, msg.CallFailed.Err(msg.Args{"Call": msg.Call(call), "Err": err}, err)
	}
	return c.send(ctx, call, method, requestURI, body, token)
}

// do sends one request to the API and decodes the envelope's payload into out.
func (c *Client) do(ctx context.Context, call, method, requestURI string, body []byte, bearer string, out any) error {
	resp, err := c.send(ctx, call, method, requestURI, body, bearer)
	if err != nil {
		return err
	}
	err = decodeEnvelope(call, resp.Status, resp.Header.Get("Content-Type"), resp.Body, out)
	var apiErr *APIError
	if errors.As(err, &apiErr) && (resp.Status == http.StatusTooManyRequests || resp.Status == http.StatusServiceUnavailable) {
		apiErr.RetryAfter = apihttp.RetryAfter(resp.Header.Get("Retry-After"), c.now())
	}
	return err
}

// send sends one request and reads its answer, bounded.
func (c *Client) send(ctx context.Context, call, method, requestURI string, body []byte, bearer string) (*Response, error) {
	header := http.Header{}
	if bearer != "" {
		header.Set("Authorization", "Bearer "+bearer)
	}
	resp, err := apihttp.Send(ctx, c.http, call, apihttp.API(c.base), method, requestURI, header, body)
	var tooLarge *apihttp.TooLargeError
	if errors.As(err, &tooLarge) {
		return nil, &MalformedResponseError{Call: call, Status: resp.Status, Reason: tooLarge.Msg()}
	}
	return resp, err
}

func decodeEnvelope(call string, status int, contentType string, raw []byte, out any) error {
	var env struct {
		Success *bool           `json:"success"`
		Message string          `json:"message"`
		Payload json.RawMessage `json:"payload"`
	}
	ok := status >= 200 && status <= 299
	if err := json.Unmarshal(raw, &env); err != nil || env.Success == nil {
		if !ok {
			// Proxies and crashed servers answer errors in HTML or plain text.
			return &APIError{Call: call, Status: status}
		}
		reason := msg.NoSuccessField.New(nil)
		if mediaType, _, _ := mime.ParseMediaType(contentType); err != nil && mediaType != "" && !strings.Contains(mediaType, "json") {
			reason = msg.NotJSONType.New(msg.Args{"Type": oneline.Clean(mediaType, 60)})
		} else if err != nil {
			reason = shortJSONError(err)
		}
		return &MalformedResponseError{Call: call, Status: status, Reason: reason}
	}
	if !ok || !*env.Success {
		return &APIError{Call: call, Status: status, Message: oneline.Clean(env.Message, 300)}
	}
	if out == nil {
		return nil
	}
	if len(env.Payload) == 0 || string(env.Payload) == "null" {
		return &MalformedResponseError{Call: call, Status: status, Reason: msg.PayloadMissing.New(nil)}
	}
	if err := json.Unmarshal(env.Payload, out); err != nil {
		return &MalformedResponseError{Call: call, Status: status, Reason: msg.PayloadBad.New(msg.Args{"Reason": shortJSONError(err)})}
	}
	return nil
}

func shortJSONError(err error) msg.Message {
	var typeErr *json.UnmarshalTypeError
	if m, ok := msg.Of(err); ok {
		return m
	}
	if errors.As(err, &typeErr) {
		return msg.FieldType.New(msg.Args{"Field": typeErr.Field, "Value": typeErr.Value, "Type": typeErr.Type.String()})
	}
	return msg.JSONError.New(msg.Args{"Err": msg.Detail(oneline.Clean(strings.TrimPrefix(err.Error(), "json: "), 200))})
}

// Package liquidcommerce is a client for the LiquidCommerce API (seed 003):
// an API key buys an access token (GET /authentication), later calls carry
// it as a Bearer token, and the token is renewed by asking for a refresh in
// a request body, or by authenticating again with the key.
package liquidcommerce

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/qexcompanion/qex-companion/flows/msg"
	"github.com/qexcompanion/qex-companion/internal/apihttp"
	"github.com/qexcompanion/qex-companion/internal/oneline"
)

// ProductionBaseURL is where the seed's sample request goes
// (https://api.liquidcommerce.cloud/authentication). The service reports
// its paths under /api (metadata.path "/api/authentication") and its
// public SDK calls {base}/api/authentication: a server that wants the
// prefix is reached with an API base ending in /api.
const ProductionBaseURL = "https://api.liquidcommerce.cloud"

// RefreshWindow is how close to its expiry a token is renewed: the seed
// asks for a refresh "close to the token's expiration time". A token whose
// whole lifetime is shorter is renewed in the second half of it, so one
// received moments ago is never renewed at once (the Authentication API is
// rate-limited).
const RefreshWindow = 5 * time.Minute

// defaultRequestTimeout bounds one exchange when the caller's context has no
// earlier deadline.
const defaultRequestTimeout = 30 * time.Second

// Token is an access token. Value is a secret.
type Token struct {
	Value   string
	Type    string // "ACCESS_TOKEN"
	Expires time.Time
}

// String keeps the token's value out of anything that formats it.
func (t Token) String() string {
	return msg.TokenExpiring.New(msg.Args{"Type": t.Type, "At": t.Expires.Format(time.RFC3339)}).String()
}

// GoString keeps the value out of %#v output too.
func (t Token) GoString() string { return t.String() }

// Metadata is what the envelope's metadata says of the last answer.
type Metadata struct {
	RequestID string
	Version   string
	Timezone  string
}

// Client talks to one LiquidCommerce API server with one API key, and
// holds the access token it bought. It is safe for concurrent use.
type Client struct {
	base   *url.URL
	http   *http.Client
	now    func() time.Time
	apiKey string

	mu       sync.Mutex
	token    Token
	received time.Time // when token arrived; zero for one bought earlier
	meta     Metadata
}

// Option configures a Client.
type Option func(*Client)

// WithHTTPClient sends requests through hc (e.g. the inspector's client).
func WithHTTPClient(hc *http.Client) Option { return func(c *Client) { c.http = hc } }

// WithClock replaces the clock expiry is judged by (tests).
func WithClock(now func() time.Time) Option { return func(c *Client) { c.now = now } }

// WithToken starts the client with a token bought earlier.
func WithToken(t Token) Option { return func(c *Client) { c.token = t } }

// NewClient returns a client for the API at baseURL, e.g.
// ProductionBaseURL, authenticating with apiKey.
func NewClient(baseURL, apiKey string, opts ...Option) (*Client, error) {
	base, err := apihttp.ParseBaseURL(baseURL, ProductionBaseURL)
	if err != nil {
		return nil, err
	}
	c := &Client{base: base, apiKey: apiKey, http: &http.Client{Timeout: defaultRequestTimeout, CheckRedirect: apihttp.CheckRedirect}, now: time.Now}
	for _, o := range opts {
		o(c)
	}
	return c, nil
}

// Token returns the access token the client holds.
func (c *Client) Token() Token {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.token
}

// Metadata returns what the last envelope's metadata said.
func (c *Client) Metadata() Metadata {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.meta
}

// expired reports whether there is no token or it has ended.
func (c *Client) expired() bool {
	t := c.Token()
	return t.Value == "" || !c.now().Before(t.Expires)
}

// refreshDue reports whether the token is close enough to its end to be
// renewed: within RefreshWindow, or within half its lifetime when it was
// received with less.
func (c *Client) refreshDue() bool {
	c.mu.Lock()
	t, received := c.token, c.received
	c.mu.Unlock()
	window := RefreshWindow
	if !received.IsZero() {
		window = min(window, t.Expires.Sub(received)/2)
	}
	return t.Value == "" || !c.now().Add(window).Before(t.Expires)
}

// hold makes tok the token the client holds, received now.
func (c *Client) hold(tok Token) {
	c.mu.Lock()
	c.token, c.received = tok, c.now()
	c.mu.Unlock()
}

// rawAuth is the documented Auth object.
type rawAuth struct {
	Token string          `json:"token"`
	Type  string          `json:"type"`
	Exp   json.RawMessage `json:"exp"` // epoch milliseconds
}

// envelope is every answer's shape.
type envelope struct {
	StatusCode int             `json:"statusCode"`
	Message    json.RawMessage `json:"message"`
	Metadata   struct {
		RequestID json.RawMessage `json:"requestId"`
		Version   json.RawMessage `json:"version"`
		Timezone  json.RawMessage `json:"timezone"`
	} `json:"metadata"`
	Data   json.RawMessage   `json:"data"`
	Auth   json.RawMessage   `json:"auth"`
	Errors []json.RawMessage `json:"errors"`
}

// text reads a JSON string made safe for one line; anything else is "".
func text(raw json.RawMessage, limit int) string {
	var s string
	if json.Unmarshal(raw, &s) != nil {
		return ""
	}
	return oneline.Clean(s, limit)
}

// Authenticate buys a new access token with the API key and holds it.
func (c *Client) Authenticate(ctx context.Context) (Token, error) {
	const call = "authenticate with the API key"
	if c.apiKey == "" {
		return Token{}, msg.CommerceNoKey.Err(msg.Args{"EnvVar": APIKeyEnvVar})
	}
	resp, err := c.send(ctx, call, http.MethodGet, "/authentication", nil, func(h http.Header) {
		h.Set("X-LIQUID-API-KEY", c.apiKey)
		h.Set("Content-Type", "application/json")
	})
	if err != nil {
		return Token{}, err
	}
	env, err := resp.envelope(call)
	if err != nil && (resp.Status < 200 || resp.Status > 299) {
		// An error page (a proxy's 502, a web server's 404): the status
		// says what went wrong, not the page's shape.
		return Token{}, newAPIError(call, resp, &envelope{}, c.now())
	}
	if err != nil {
		return Token{}, err
	}
	if resp.Status < 200 || resp.Status > 299 || (env.StatusCode != 0 && (env.StatusCode < 200 || env.StatusCode > 299)) {
		return Token{}, newAPIError(call, resp, env, c.now())
	}
	var data rawAuth
	if err := json.Unmarshal(env.Data, &data); err != nil {
		return Token{}, &MalformedResponseError{Call: call, Status: resp.Status, Reason: msg.CommerceNotAuth.New(nil)}
	}
	tok, reason := c.parseAuth(data)
	if !reason.IsZero() {
		return Token{}, &MalformedResponseError{Call: call, Status: resp.Status, Reason: reason}
	}
	c.hold(tok)
	return tok, nil
}

// parseAuth checks an Auth object, saying what is wrong with it.
func (c *Client) parseAuth(a rawAuth) (Token, msg.Message) {
	var exp int64
	if err := json.Unmarshal(a.Exp, &exp); err != nil {
		return Token{}, msg.CommerceBadExp.New(nil)
	}
	expires := time.UnixMilli(exp)
	switch {
	case a.Token == "" || strings.ContainsFunc(a.Token, func(r rune) bool { return r <= ' ' || r > '~' }):
		return Token{}, msg.CommerceBadToken.New(nil)
	case !expires.After(c.now()):
		// Epoch seconds read as milliseconds land in 1970.
		return Token{}, msg.CommercePastExp.New(msg.Args{"Exp": exp})
	}
	typ := oneline.Clean(a.Type, 40)
	if typ == "" {
		typ = "ACCESS_TOKEN" // "always", says the seed
	}
	return Token{Value: a.Token, Type: typ, Expires: expires}, msg.Message{}
}

// Response is a server's answer.
type Response struct {
	Status int
	Header http.Header
	Body   []byte
}

// envelope decodes the answer's envelope and records its metadata.
func (r *Response) envelope(call string) (*envelope, error) {
	var env envelope
	if err := json.Unmarshal(r.Body, &env); err != nil {
		reason := msg.NotJSONObject.New(nil)
		// A captive portal or a web server answers with a page.
		if mediaType, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mediaType != "" && !strings.Contains(mediaType, "json") {
			reason = msg.NotJSONType.New(msg.Args{"Type": oneline.Clean(mediaType, 60)})
		}
		return nil, &MalformedResponseError{Call: call, Status: r.Status, Reason: reason}
	}
	return &env, nil
}

// Do sends an authenticated request to pathQuery, relative to the API
// base, with body as JSON when not nil, and returns the answer whatever its
// status, following the seed's token rules: an expired token is replaced
// first; close to its expiry (refreshDue) a JSON object body asks for a
// refresh; an auth object in the answer replaces the token at once; a 401
// buys a new token with the key and the request is sent once more.
func (c *Client) Do(ctx context.Context, method, pathQuery string, body []byte) (*Response, error) {
	call := method + " " + pathQuery
	fresh := false
	if c.expired() {
		if _, err := c.Authenticate(ctx); err != nil {
			return nil, err
		}
		fresh = true
	}
	resp, err := c.sendAuthenticated(ctx, call, method, pathQuery, body)
	if err != nil || resp.Status != http.StatusUnauthorized || fresh {
		return resp, err
	}
	if _, err := c.Authenticate(ctx); err != nil {
		return nil, err
	}
	return c.sendAuthenticated(ctx, call, method, pathQuery, body)
}

func (c *Client) sendAuthenticated(ctx context.Context, call, method, pathQuery string, body []byte) (*Response, error) {
	if c.refreshDue() {
		body = withRefresh(body)
	}
	bearer := "Bearer " + c.Token().Value
	resp, err := c.send(ctx, call, method, pathQuery, body, func(h http.Header) {
		h.Set("Authorization", bearer)
		if body != nil {
			h.Set("Content-Type", "application/json")
		}
	})
	if err != nil {
		return nil, err
	}
	if env, err := resp.envelope(call); err == nil && len(env.Auth) > 0 && string(env.Auth) != "null" {
		var a rawAuth
		if json.Unmarshal(env.Auth, &a) == nil {
			if tok, reason := c.parseAuth(a); reason.IsZero() {
				c.hold(tok)
			}
		}
	}
	return resp, nil
}

// withRefresh adds "refresh": true to a JSON object body that does not say
// otherwise, keeping the rest as it was written; any other body is left
// alone (the seed's refresh is a body parameter).
func withRefresh(body []byte) []byte {
	var fields map[string]json.RawMessage
	if json.Unmarshal(body, &fields) != nil || fields == nil {
		return body
	}
	if _, present := fields["refresh"]; present {
		return body // the caller chose
	}
	open := bytes.IndexByte(body, '{')
	sep := ","
	if len(fields) == 0 {
		sep = ""
	}
	out := append([]byte{}, body[:open+1]...)
	out = append(out, `"refresh":true`+sep...)
	return append(out, body[open+1:]...)
}

// send sends one request and reads its answer, bounded, recording the
// envelope's metadata when there is one.
func (c *Client) send(ctx context.Context, call, method, pathQuery string, body []byte, headers func(http.Header)) (*Response, error) {
	if !strings.HasPrefix(pathQuery, "/") {
		return nil, msg.PathNoSlash.Err(msg.Args{"Call": msg.Call(call), "Path": pathQuery})
	}
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, defaultRequestTimeout)
		defer cancel()
	}
	var reader io.Reader
	if body != nil {
		reader = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base.String()+pathQuery, reader)
	if err != nil {
		return nil, msg.CallFailed.Err(msg.Args{"Call": msg.Call(call), "Err": err}, err)
	}
	req.Header.Set("Accept", "application/json")
	headers(req.Header)
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, apihttp.TransportError(ctx, call, apihttp.API(c.base), err)
	}
	defer resp.Body.Close()
	raw, err := apihttp.ReadAll(resp.Body, apihttp.MaxResponseBytes)
	var tooLarge *apihttp.TooLargeError
	if errors.As(err, &tooLarge) {
		return nil, &MalformedResponseError{Call: call, Status: resp.StatusCode, Reason: msg.FromError(err)}
	}
	if err != nil {
		return nil, apihttp.TransportError(ctx, call, apihttp.API(c.base), err)
	}
	out := &Response{Status: resp.StatusCode, Header: resp.Header, Body: raw}
	if env, err := out.envelope(call); err == nil {
		if id := text(env.Metadata.RequestID, 80); id != "" {
			c.mu.Lock()
			c.meta = Metadata{RequestID: id, Version: text(env.Metadata.Version, 20), Timezone: text(env.Metadata.Timezone, 40)}
			c.mu.Unlock()
		}
	}
	return out, nil
}

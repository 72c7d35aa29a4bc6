// Package oauth2 is the app's client of the Liquid OAuth 2.0 service (seed
// 002) and the `oauth2` provider. golang.org/x/oauth2 builds the login URL
// and speaks the token endpoint (code exchange with PKCE, refresh, client
// credentials); this package adds what it cannot do: the comma-separated
// scope, the non-standard introspect call, and keeping rotated refresh
// tokens.
package oauth2

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"time"

	xoauth2 "golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"

	"github.com/qexcompanion/qex-companion/flows/msg"
	"github.com/qexcompanion/qex-companion/internal/apihttp"
	"github.com/qexcompanion/qex-companion/internal/oneline"
)

// ProductionBaseURL is where the service is taken to live: seed 002 gives
// only paths, and Liquid's APIs were served from this host.
const ProductionBaseURL = "https://api.liquid.com"

// Client talks to one OAuth 2.0 service as one client id.
type Client struct {
	base     *url.URL
	http     *http.Client
	now      func() time.Time
	clientID string
	scope    string // comma separated, as the service wants
}

// NewClient returns a client of the service at baseURL. hc sends every
// request (the inspector's client); now dates token expiry.
func NewClient(baseURL, clientID, scope string, hc *http.Client, now func() time.Time) (*Client, error) {
	base, err := apihttp.ParseBaseURL(baseURL, ProductionBaseURL)
	if err != nil {
		return nil, err
	}
	return &Client{base: base, http: hc, now: now, clientID: clientID, scope: scope}, nil
}

func (c *Client) endpoint(path string) string { return c.base.String() + path }

// config is the x/oauth2 view of the public client. The scope is sent by
// hand: x/oauth2 joins scopes with spaces. The client id goes in the form,
// as the documents show, never in a Basic header.
func (c *Client) config(redirectURI string) *xoauth2.Config {
	return &xoauth2.Config{
		ClientID:    c.clientID,
		RedirectURL: redirectURI,
		Endpoint:    xoauth2.Endpoint{AuthURL: c.endpoint("/login"), TokenURL: c.endpoint("/oauth/token"), AuthStyle: xoauth2.AuthStyleInParams},
	}
}

// maxTokenBytes bounds a token endpoint's answer: a token is a few
// hundred bytes.
const maxTokenBytes = 64 << 10

// tokenCtx hands x/oauth2 the app's HTTP client, watched by a tokenAnswer.
func (c *Client) tokenCtx(ctx context.Context) (context.Context, *tokenAnswer) {
	hc := *c.http
	ans := &tokenAnswer{next: hc.Transport}
	if ans.next == nil {
		ans.next = http.DefaultTransport
	}
	hc.Transport = ans
	return context.WithValue(ctx, xoauth2.HTTPClient, &hc), ans
}

// tokenAnswer keeps what x/oauth2's errors keep only as text: the answer's
// status and media type, and why reading its body failed. It bounds the
// body to maxTokenBytes.
type tokenAnswer struct {
	next      http.RoundTripper
	status    int
	mediaType string
	readErr   error
}

func (a *tokenAnswer) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := a.next.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	a.status = resp.StatusCode
	a.mediaType, _, _ = mime.ParseMediaType(resp.Header.Get("Content-Type"))
	resp.Body = &boundedBody{ReadCloser: resp.Body, ans: a, left: maxTokenBytes}
	return resp, nil
}

// boundedBody fails with an *apihttp.TooLargeError past its limit, and
// records any read error in its tokenAnswer.
type boundedBody struct {
	io.ReadCloser
	ans  *tokenAnswer
	left int64
}

func (b *boundedBody) Read(p []byte) (int, error) {
	if b.left < 0 {
		return 0, b.ans.readErr
	}
	n, err := b.ReadCloser.Read(p[:min(int64(len(p)), b.left+1)])
	b.left -= int64(n)
	if b.left < 0 {
		err = &apihttp.TooLargeError{Limit: maxTokenBytes}
	}
	if err != nil && err != io.EOF {
		b.ans.readErr = err
	}
	return n, err
}

// LoginURL is the page where the user approves: /login with the code
// request, the state and the PKCE S256 challenge of verifier.
func (c *Client) LoginURL(redirectURI, state, verifier string) string {
	return c.config(redirectURI).AuthCodeURL(state, xoauth2.SetAuthURLParam("scope", c.scope), xoauth2.S256ChallengeOption(verifier))
}

// Exchange trades an authorization code for tokens (public client: no
// secret; the PKCE verifier proves the code is ours).
func (c *Client) Exchange(ctx context.Context, code, redirectURI, verifier string) (*xoauth2.Token, error) {
	tctx, ans := c.tokenCtx(ctx)
	tok, err := c.config(redirectURI).Exchange(tctx, code, xoauth2.VerifierOption(verifier), xoauth2.SetAuthURLParam("scope", c.scope))
	return c.dated(tok, c.tokenError(ctx, "exchange the authorization code", ans, err))
}

// Refresh trades a refresh token for a new pair; the service rotates it,
// so the old one is dead once this returns.
func (c *Client) Refresh(ctx context.Context, refreshToken string) (*xoauth2.Token, error) {
	tctx, ans := c.tokenCtx(ctx)
	tok, err := c.config("").TokenSource(tctx, &xoauth2.Token{RefreshToken: refreshToken}).Token()
	return c.dated(tok, c.tokenError(ctx, "refresh the access token", ans, err))
}

// ClientCredentials gets a token for the client itself (no user) with its
// secret.
func (c *Client) ClientCredentials(ctx context.Context, secret string) (*xoauth2.Token, error) {
	cfg := clientcredentials.Config{ClientID: c.clientID, ClientSecret: secret, TokenURL: c.endpoint("/oauth/token"),
		AuthStyle: xoauth2.AuthStyleInParams, EndpointParams: url.Values{"scope": {c.scope}}}
	tctx, ans := c.tokenCtx(ctx)
	tok, err := cfg.Token(tctx)
	return c.dated(tok, c.tokenError(ctx, "get a client-credentials token", ans, err))
}

// dated sets a token's expiry from expires_in by the client's clock
// (x/oauth2 uses time.Now, and clientcredentials drops ExpiresIn).
func (c *Client) dated(tok *xoauth2.Token, err error) (*xoauth2.Token, error) {
	if err != nil {
		return nil, err
	}
	secs := tok.ExpiresIn
	if f, ok := tok.Extra("expires_in").(float64); secs == 0 && ok {
		secs = int64(f)
	}
	tok.Expiry = time.Time{}
	if secs > 0 {
		tok.Expiry = c.now().Add(time.Duration(secs) * time.Second)
	}
	return tok, nil
}

// OAuthError is the service refusing a token request: RFC 6749's error and
// error_description, told with what to do.
type OAuthError struct {
	Call        string
	Status      int
	Code        string
	Description string
	RetryAfter  time.Duration // from Retry-After; zero if absent
}

// newOAuthError reads a refusal: its status and Retry-After, and the
// RFC 6749 error and error_description, cleaned for one line.
func newOAuthError(call string, status int, header http.Header, code, description string, now time.Time) *OAuthError {
	return &OAuthError{Call: call, Status: status, Code: oneline.Clean(code, 60), Description: oneline.Clean(description, 200),
		RetryAfter: apihttp.RetryAfter(header.Get("Retry-After"), now)}
}

func (e *OAuthError) Error() string { return e.Msg().String() }

// Msg is the refusal as a message: the call, the status, the server's
// error and description, and what to do.
func (e *OAuthError) Msg() msg.Message {
	said := e.Code
	if said == "" {
		said = http.StatusText(e.Status)
	}
	if e.Description != "" {
		said += ": " + e.Description
	}
	return msg.OAuthAnswered.New(msg.Args{"Call": msg.Call(e.Call), "Status": e.Status, "Said": msg.Said(said), "Advice": e.advice()})
}

func (e *OAuthError) advice() msg.Message {
	switch {
	case e.Code == "invalid_grant" && strings.HasPrefix(e.Call, "refresh"):
		return msg.OAuthRefreshUsed.New(nil)
	case e.Code == "invalid_grant":
		return msg.OAuthCodeUsed.New(nil)
	case e.Code == "invalid_client" && strings.Contains(e.Call, "client-credentials"):
		return msg.OAuthCheckClientEnv.New(msg.Args{"EnvVar": SecretEnvVar})
	case e.Code == "invalid_client":
		return msg.OAuthCheckClient.New(nil)
	case e.Code == "invalid_scope":
		return msg.OAuthCheckScope.New(nil)
	case e.Code == "unauthorized_client", e.Code == "unsupported_grant_type":
		return msg.OAuthGrantNotAllowed.New(nil)
	case e.Status == http.StatusTooManyRequests:
		return msg.RateLimited.New(msg.Args{"Retry": msg.RetryAfter(e.RetryAfter)})
	case e.Status == http.StatusNotFound:
		return msg.OAuthNoService.New(nil)
	case e.Status >= 500:
		return msg.ServerFailedLater.New(nil)
	}
	return msg.OAuthCheckAll.New(nil)
}

// tokenError words what x/oauth2 returned for people: its errors are
// "oauth2: ..." texts, told here with what ans saw of the answer.
func (c *Client) tokenError(ctx context.Context, call string, ans *tokenAnswer, err error) error {
	if err == nil {
		return nil
	}
	var (
		tooLarge *apihttp.TooLargeError
		re       *xoauth2.RetrieveError
		urlErr   *url.Error
	)
	switch {
	case errors.As(ans.readErr, &tooLarge):
		return msg.OAuthNotToken.Err(msg.Args{"Call": msg.Call(call), "Status": ans.status, "Reason": tooLarge}, tooLarge)
	case ans.readErr != nil:
		return apihttp.TransportError(ctx, call, apihttp.API(c.base), ans.readErr)
	case errors.As(err, &re):
		status, header := 0, http.Header{}
		if re.Response != nil {
			status, header = re.Response.StatusCode, re.Response.Header
		}
		return newOAuthError(call, status, header, re.ErrorCode, re.ErrorDescription, c.now())
	case errors.As(err, &urlErr), ctx.Err() != nil:
		return apihttp.TransportError(ctx, call, apihttp.API(c.base), err)
	}
	// A 2xx that is not a token.
	reason := msg.OAuthNotTokenJSON.New(nil)
	switch text := err.Error(); {
	case ans.mediaType != "" && !strings.Contains(ans.mediaType, "json"):
		reason = msg.NotJSONType.New(msg.Args{"Type": oneline.Clean(ans.mediaType, 60)})
	case strings.Contains(text, "missing access_token"):
		reason = msg.Missing.New(msg.Args{"Field": "access_token"})
	case strings.HasPrefix(text, "oauth2: cannot parse json: "):
		reason = msg.OAuthNotTokenJSONBy.New(msg.Args{"Err": msg.Detail(oneline.Clean(strings.TrimPrefix(strings.TrimPrefix(text, "oauth2: cannot parse json: "), "json: "), 200))})
	}
	return msg.OAuthNotToken.Err(msg.Args{"Call": msg.Call(call), "Status": ans.status, "Reason": reason}, err)
}

// IsInvalidGrant reports whether the service refused a code or refresh
// token as used, expired or revoked.
func IsInvalidGrant(err error) bool {
	var oe *OAuthError
	return errors.As(err, &oe) && oe.Code == "invalid_grant"
}

// TokenInfo is introspect's tokenInfo (camelCase, unlike the rest).
type TokenInfo struct {
	AccessTokenExpiresAt time.Time       `json:"accessTokenExpiresAt"`
	Scope                string          `json:"scope"`
	User                 json.RawMessage `json:"user"`
}

// User is the part of introspect's user the app shows.
type User struct {
	ID        string `json:"_id"`
	Username  string `json:"username"`
	FirstName string `json:"firstName"`
	LastName  string `json:"lastName"`
	Email     string `json:"email"`
	Role      string `json:"role"`
	Verified  bool   `json:"verified"`
}

// Response is a raw answer to Send.
type Response struct {
	Status int
	Header http.Header
	Body   []byte
}

// Send makes one request with the access token as Bearer; pathQuery is
// relative to the API base. Any status is returned as it came.
func (c *Client) Send(ctx context.Context, call, accessToken, method, pathQuery string, form url.Values, body []byte) (*Response, error) {
	var reader *strings.Reader
	if form != nil {
		reader = strings.NewReader(form.Encode())
	} else {
		reader = strings.NewReader(string(body))
	}
	req, err := http.NewRequestWithContext(ctx, method, c.endpoint(pathQuery), reader)
	if err != nil {
		return nil, msg.CallWrapped.Err(msg.Args{"Call": msg.Call(call), "Err": err}, err)
	}
	switch {
	case form != nil:
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	case len(body) > 0:
		req.Header.Set("Content-Type", "application/json")
	}
	if accessToken != "" {
		req.Header.Set("Authorization", "Bearer "+accessToken)
	}
	req.Header.Set("Accept", "application/json")
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, apihttp.TransportError(ctx, call, apihttp.API(c.base), err)
	}
	defer resp.Body.Close()
	raw, err := apihttp.ReadAll(resp.Body, apihttp.MaxResponseBytes)
	var tooLarge *apihttp.TooLargeError
	if errors.As(err, &tooLarge) {
		return nil, msg.TooLong.Err(msg.Args{"Call": msg.Call(call), "Status": resp.StatusCode, "Err": tooLarge}, tooLarge)
	}
	if err != nil {
		return nil, apihttp.TransportError(ctx, call, apihttp.API(c.base), err)
	}
	return &Response{Status: resp.StatusCode, Header: resp.Header, Body: raw}, nil
}

// ErrTokenRefused is introspect's answer to a token it does not accept.
var ErrTokenRefused error = msg.OAuthTokenRefused.Err(nil)

// Introspect asks the service what accessToken grants, and for whom.
func (c *Client) Introspect(ctx context.Context, accessToken string) (*TokenInfo, error) {
	const call = "introspect the access token"
	resp, err := c.Send(ctx, call, "", http.MethodPost, "/oauth/token/introspect", url.Values{"token": {accessToken}}, nil)
	if err != nil {
		return nil, err
	}
	if resp.Status == http.StatusUnauthorized {
		return nil, msg.CouldNot.Err(msg.Args{"Call": msg.Call(call), "Err": ErrTokenRefused}, ErrTokenRefused)
	}
	if resp.Status != http.StatusOK {
		var body struct {
			Error            string `json:"error"`
			ErrorDescription string `json:"error_description"`
		}
		json.Unmarshal(resp.Body, &body) //nolint:errcheck // a body that is not an OAuth error leaves them empty
		return nil, newOAuthError(call, resp.Status, resp.Header, body.Error, body.ErrorDescription, c.now())
	}
	var body struct {
		OK   int `json:"ok"`
		Data struct {
			TokenInfo *TokenInfo `json:"tokenInfo"`
		} `json:"data"`
	}
	if err := json.Unmarshal(resp.Body, &body); err != nil || body.OK != 1 || body.Data.TokenInfo == nil {
		return nil, msg.OAuthNotIntrospect.Err(msg.Args{"Call": msg.Call(call)})
	}
	info := body.Data.TokenInfo
	if u := strings.TrimSpace(string(info.User)); u != "null" && u != "" && !strings.HasPrefix(u, "{") {
		return nil, msg.OAuthUserNotObject.Err(msg.Args{"Call": msg.Call(call)})
	}
	return info, nil
}

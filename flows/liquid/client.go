// Package liquid is a client for Liquid exchange OAuth requests (seed 001):
// a partner's API token creates an OAuth request, the user approves it on
// Liquid, and the partner then reads that user's profile and accounts with
// calls signed by the token and the request's ids.
package liquid

import (
	"context"
	"encoding/json"
	"errors"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/qexcompanion/qex-companion/flows/internal/nonce"
	"github.com/qexcompanion/qex-companion/flows/msg"
	"github.com/qexcompanion/qex-companion/internal/apihttp"
	"github.com/qexcompanion/qex-companion/internal/oneline"
)

// ProductionBaseURL is where the Liquid exchange API lived.
const ProductionBaseURL = "https://api.liquid.com"

// APIVersion is sent in X-Quoine-API-Version on every call.
const APIVersion = "2"

// Token is the partner's API token (an "OAuth approved, external app" user
// token). Secret signs every call and must never be shown.
type Token struct {
	ID     string
	Secret string
}

// String keeps the secret out of anything that formats a token.
func (t Token) String() string { return "token " + t.ID }

// GoString keeps the secret out of %#v output too.
func (t Token) GoString() string { return t.String() }

// Grant is an approved OAuth request: calls signed with it act for the user
// who approved it. PrivateID is a secret.
type Grant struct {
	PublicID  string
	PrivateID string
}

// String keeps the private id out of anything that formats a grant.
func (g Grant) String() string { return "oauth request " + g.PublicID }

// GoString keeps the private id out of %#v output too.
func (g Grant) GoString() string { return g.String() }

// Client talks to one Liquid API server. It is safe for concurrent use.
type Client struct {
	base *url.URL
	http *http.Client
	now  func() time.Time
}

// Option configures a Client.
type Option func(*Client)

// WithHTTPClient sends requests through hc (e.g. the inspector's client).
func WithHTTPClient(hc *http.Client) Option { return func(c *Client) { c.http = hc } }

// WithClock replaces the clock nonces are taken from (tests).
func WithClock(now func() time.Time) Option { return func(c *Client) { c.now = now } }

// NewClient returns a client for the API at baseURL, e.g. ProductionBaseURL.
// Paths signed in the "path" claim are relative to it.
func NewClient(baseURL string, opts ...Option) (*Client, error) {
	base, err := apihttp.ParseBaseURL(baseURL, ProductionBaseURL)
	if err != nil {
		return nil, err
	}
	c := &Client{base: base, http: &http.Client{Timeout: apihttp.DefaultTimeout, CheckRedirect: apihttp.CheckRedirect}, now: time.Now}
	for _, o := range opts {
		o(c)
	}
	return c, nil
}

// BaseURL returns the API base this client talks to.
func (c *Client) BaseURL() string { return c.base.String() }

// Claims are exactly the claims of X-Quoine-Auth; the OAuth ids are present
// once a request is approved.
type Claims struct {
	TokenID               TokenID `json:"token_id"`
	Path                  string  `json:"path"`
	Nonce                 int64   `json:"nonce"`
	OAuthRequestPublicID  string  `json:"oauth_request_public_id,omitempty"`
	OAuthRequestPrivateID string  `json:"oauth_request_private_id,omitempty"`
	jwt.RegisteredClaims
}

// nonces are per token id, for every client in the process: the server
// wants them to increase per token whichever client or request makes the
// call.
var nonces nonce.Sequence

// Sign returns the X-Quoine-Auth value for a call to pathQuery (path and
// query, relative to the API base), with the grant's ids when g is not nil.
func (c *Client) Sign(tok Token, g *Grant, pathQuery string) (string, error) {
	if tok.ID == "" || tok.Secret == "" {
		return "", msg.LiquidNoToken.Err(nil)
	}
	claims := Claims{TokenID: TokenID(tok.ID), Path: pathQuery, Nonce: nonces.Next(tok.ID, c.now())}
	if g != nil {
		claims.OAuthRequestPublicID, claims.OAuthRequestPrivateID = g.PublicID, g.PrivateID
	}
	return jwt.NewWithClaims(jwt.SigningMethodHS256, claims).SignedString([]byte(tok.Secret))
}

// TokenID is the token_id claim: a JSON number when the id is all digits (as
// Liquid issued them), a JSON string otherwise. Public clients sent both; the
// documents do not say.
type TokenID string

// MarshalJSON writes an all-digit id as a number.
func (id TokenID) MarshalJSON() ([]byte, error) {
	if _, err := strconv.ParseUint(string(id), 10, 64); err == nil {
		return []byte(id), nil
	}
	return json.Marshal(string(id))
}

// OAuthRequest is a created, not yet approved, OAuth request. PrivateID is a
// secret: with the token it acts for the user once approved.
type OAuthRequest struct {
	Grant
	Expires          time.Time
	AppChallengeHref string // the page the user approves on
	APIChallengeHref string // an API endpoint, not a page for people
}

// CreateOAuthRequest creates an empty OAuth request for the user to approve
// at its AppChallengeHref. externalRef is the partner's own reference.
func (c *Client) CreateOAuthRequest(ctx context.Context, tok Token, externalRef string) (*OAuthRequest, error) {
	const call = "create OAuth request"
	body, _ := json.Marshal(map[string]string{"external_ref": externalRef})
	resp, err := c.Do(ctx, call, tok, nil, http.MethodPost, "/system/oauth_requests", body)
	if err != nil {
		return nil, err
	}
	var raw struct {
		PublicID         string          `json:"oauth_request_public_id"`
		PrivateID        string          `json:"oauth_request_private_id"`
		Expires          json.RawMessage `json:"expires"`
		AppChallengeHref string          `json:"app_challenge_href"`
		APIChallengeHref string          `json:"api_challenge_href"`
	}
	if err := decode(call, resp, &raw); err != nil {
		return nil, err
	}
	malformed := func(reason msg.Message) error {
		return &MalformedResponseError{Call: call, Status: resp.Status, Reason: reason}
	}
	if raw.PublicID == "" || raw.PrivateID == "" {
		return nil, malformed(msg.Missing.New(msg.Args{"Field": msg.Or.New(msg.Args{"A": "oauth_request_public_id", "B": "oauth_request_private_id"})}))
	}
	if u, err := url.Parse(raw.AppChallengeHref); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, malformed(msg.NotHTTPURL.New(msg.Args{"Field": "app_challenge_href"}))
	}
	// The link is shown as it is, to be opened by hand: a bidirectional
	// override would make it read as another address.
	if oneline.Clean(raw.AppChallengeHref, len(raw.AppChallengeHref)) != raw.AppChallengeHref {
		return nil, malformed(msg.HoldsControl.New(msg.Args{"Field": "app_challenge_href"}))
	}
	expires, err := parseExpires(raw.Expires)
	if err != nil {
		return nil, malformed(msg.FieldReason.New(msg.Args{"Field": "expires", "Reason": err}))
	}
	return &OAuthRequest{
		Grant:            Grant{PublicID: raw.PublicID, PrivateID: raw.PrivateID},
		Expires:          expires,
		AppChallengeHref: raw.AppChallengeHref,
		APIChallengeHref: raw.APIChallengeHref,
	}, nil
}

// parseExpires reads the documents' untyped "expires": epoch seconds (or
// milliseconds, when too large for seconds) as a number or a string, or an
// ISO 8601 time. Absent or null means the documents' silence: zero time.
func parseExpires(raw json.RawMessage) (time.Time, error) {
	s := strings.TrimSpace(string(raw))
	if s == "" || s == "null" {
		return time.Time{}, nil
	}
	if strings.HasPrefix(s, `"`) {
		if err := json.Unmarshal(raw, &s); err != nil {
			return time.Time{}, err
		}
		if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
			return t, nil
		}
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f <= 0 || f > 1e15 {
		return time.Time{}, msg.NotEpochOrISO.Err(msg.Args{"Value": oneline.Clean(s, 40)})
	}
	if f > 1e11 { // later than the year 5138 in seconds: milliseconds
		return time.UnixMilli(int64(f)), nil
	}
	return time.Unix(int64(f), 0), nil
}

// UserContext is the approving user's profile, with every field of the
// documented /user/context answer.
type UserContext struct {
	UserID            json.Number         `json:"user_id"`
	TokenID           json.RawMessage     `json:"token_id"`
	TradingAccountIDs []json.Number       `json:"trading_account_ids"`
	AppVendorID       json.Number         `json:"app_vendor_id"`
	Country           string              `json:"country"`
	Status            string              `json:"status"`
	Currency          string              `json:"currency"`
	Language          string              `json:"language"`
	UserType          string              `json:"user_type"`
	HasProofAddress   bool                `json:"has_proof_address"`
	HasIDDocument     bool                `json:"has_id_document"`
	Avatar            *string             `json:"avatar"`
	AffiliateCode     string              `json:"affiliate_code"`
	IsFullyVerified   bool                `json:"is_fully_verified"`
	EmailConfirmedAt  json.Number         `json:"email_confirmed_at"`
	DeclinedReason    *string             `json:"declined_reason"`
	Modules           map[string][]string `json:"modules"`
	FirstName         string              `json:"first_name"`
	LastName          string              `json:"last_name"`
	Email             string              `json:"email"`
	Permissions       []string            `json:"permissions"`
}

// UserContext fetches the approving user's profile; before approval it fails
// with a 401 (IsUnauthorized). raw is the answer exactly as received.
func (c *Client) UserContext(ctx context.Context, tok Token, g Grant) (user *UserContext, raw json.RawMessage, err error) {
	const call = "fetch user context"
	resp, err := c.Do(ctx, call, tok, &g, http.MethodGet, "/user/context", nil)
	if err != nil {
		return nil, nil, err
	}
	var u UserContext
	if err := decode(call, resp, &u); err != nil {
		return nil, nil, err
	}
	if u.UserID == "" {
		return nil, nil, &MalformedResponseError{Call: call, Status: resp.Status, Reason: msg.Missing.New(msg.Args{"Field": "user_id"})}
	}
	return &u, resp.Body, nil
}

// Accounts fetches the user's accounts: a JSON object with crypto_accounts
// and fiat_accounts, exactly as received (amounts are exact decimal strings).
func (c *Client) Accounts(ctx context.Context, tok Token, g Grant) (json.RawMessage, error) {
	const call = "fetch accounts"
	resp, err := c.Do(ctx, call, tok, &g, http.MethodGet, "/accounts", nil)
	if err != nil {
		return nil, err
	}
	var lists struct {
		Crypto *[]json.RawMessage `json:"crypto_accounts"`
		Fiat   *[]json.RawMessage `json:"fiat_accounts"`
	}
	if err := decode(call, resp, &lists); err != nil {
		return nil, err
	}
	if lists.Crypto == nil || lists.Fiat == nil {
		return nil, &MalformedResponseError{Call: call, Status: resp.Status, Reason: msg.LiquidAccountsGone.New(nil)}
	}
	return resp.Body, nil
}

// Response is a server's answer, whatever its status.
type Response = apihttp.Response

// decode reads a 2xx answer's JSON into out.
func decode(call string, r *Response, out any) error {
	if err := json.Unmarshal(r.Body, out); err != nil {
		reason := shortJSONError(err)
		// A captive portal or a web server answers 200 with a page.
		if mediaType, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mediaType != "" && !strings.Contains(mediaType, "json") {
			reason = msg.NotJSONType.New(msg.Args{"Type": oneline.Clean(mediaType, 60)})
		}
		return &MalformedResponseError{Call: call, Status: r.Status, Reason: reason}
	}
	return nil
}

// Do sends one request as Send does; a non-2xx answer is an *APIError.
func (c *Client) Do(ctx context.Context, call string, tok Token, g *Grant, method, pathQuery string, body []byte) (*Response, error) {
	resp, err := c.Send(ctx, call, tok, g, method, pathQuery, body)
	if err != nil {
		return nil, err
	}
	if resp.Status < 200 || resp.Status > 299 {
		return nil, newAPIError(call, resp, c.now())
	}
	return resp, nil
}

// Send sends one request signed with tok (and g, when not nil) to
// pathQuery, relative to the API base, with body as JSON when not nil, and
// returns the answer whatever its status; call names the request in errors.
func (c *Client) Send(ctx context.Context, call string, tok Token, g *Grant, method, pathQuery string, body []byte) (*Response, error) {
	if !strings.HasPrefix(pathQuery, "/") {
		return nil, msg.PathNoSlash.Err(msg.Args{"Call": msg.Call(call), "Path": pathQuery})
	}
	auth, err := c.Sign(tok, g, pathQuery)
	if err != nil {
		return nil, msg.CallFailed.Err(msg.Args{"Call": msg.Call(call), "Err": err}, err)
	}
	header := http.Header{"X-Quoine-Api-Version": {APIVersion}, "X-Quoine-Auth": {auth}}
	resp, err := apihttp.Send(ctx, c.http, call, apihttp.API(c.base), method, pathQuery, header, body)
	var tooLarge *apihttp.TooLargeError
	if errors.As(err, &tooLarge) {
		return nil, &MalformedResponseError{Call: call, Status: resp.Status, Reason: msg.FromError(err)}
	}
	return resp, err
}

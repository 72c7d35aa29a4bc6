// Package exchange is the app's side of EXchange (seed 004), the `exchange`
// provider: an APIv2 client that signs calls the Peatio way with the user
// token's access and secret keys, a client of the partner's token broker
// (docs/broker.md), which alone holds the client secret and the refresh
// token, and the provider that joins them.
package exchange

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/qexcompanion/qex-companion/flows"
	"github.com/qexcompanion/qex-companion/flows/internal/nonce"
	"github.com/qexcompanion/qex-companion/flows/msg"
	"github.com/qexcompanion/qex-companion/internal/apihttp"
	"github.com/qexcompanion/qex-companion/internal/oneline"
)

// ProductionBaseURL is the seed's host.
const ProductionBaseURL = "https://f1cx.com"

// Key is an APIv2 key pair: the user token "<access_key>:<secret_key>"
// split on its colon.
type Key struct {
	Access string
	Secret string
}

// ParseUserToken splits a user token into its keys.
func ParseUserToken(token string) (Key, error) {
	access, secret, ok := strings.Cut(token, ":")
	if !ok || access == "" || secret == "" || strings.Contains(secret, ":") || !printable(access) || !printable(secret) {
		return Key{}, msg.ExchangeBadUserToken.Err(nil)
	}
	return Key{Access: access, Secret: secret}, nil
}

// printable reports whether s is short visible ASCII, as keys are.
func printable(s string) bool {
	return len(s) <= 256 && strings.IndexFunc(s, func(r rune) bool { return r <= ' ' || r > '~' }) < 0
}

// Canonical is what a Peatio signature covers: METHOD|PATH|QUERY, where
// QUERY is every parameter but signature, sorted by name (a repeated
// name's values in their order), joined k=v&… with the values as they
// are, unescaped. path is the API path, relative to the API base.
func Canonical(method, path string, params url.Values) string {
	names := make([]string, 0, len(params))
	for name := range params {
		if name != "signature" {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	var pairs []string
	for _, name := range names {
		for _, v := range params[name] {
			pairs = append(pairs, name+"="+v)
		}
	}
	return strings.ToUpper(method) + "|" + path + "|" + strings.Join(pairs, "&")
}

// Signature is the lowercase hex HMAC-SHA256 of payload keyed with the
// secret key.
func Signature(secret, payload string) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(payload))
	return hex.EncodeToString(mac.Sum(nil))
}

// tonces are per access key, for every client in the process.
var tonces nonce.Sequence

// Client calls EXchange's APIv2.
type Client struct {
	base *url.URL
	http *http.Client
	now  func() time.Time
}

// NewClient returns a client of the APIv2 at baseURL; hc sends every
// request (the inspector's client), now dates tonces.
func NewClient(baseURL string, hc *http.Client, now func() time.Time) (*Client, error) {
	base, err := apihttp.ParseBaseURL(baseURL, ProductionBaseURL)
	if err != nil {
		return nil, err
	}
	return &Client{base: base, http: hc, now: now}, nil
}

// Sign returns pathQuery with access_key, tonce and signature added to its
// query. A signature or key already there is replaced.
func (c *Client) Sign(method, pathQuery string, key Key) (string, error) {
	u, err := url.Parse(pathQuery)
	if err != nil || u.Scheme != "" || u.Host != "" || !strings.HasPrefix(u.Path, "/") || u.Fragment != "" {
		return "", msg.ExchangeNotAPIPath.Err(msg.Args{"Path": oneline.Clean(pathQuery, 100)})
	}
	q, err := url.ParseQuery(u.RawQuery)
	if err != nil {
		return "", msg.ExchangeBadQuery.Err(msg.Args{"Path": oneline.Clean(pathQuery, 100), "Err": err})
	}
	q.Set("access_key", key.Access)
	q.Set("tonce", strconv.FormatInt(tonces.Next(key.Access, c.now()), 10))
	q.Del("signature")
	q.Set("signature", Signature(key.Secret, Canonical(method, u.Path, q)))
	return u.EscapedPath() + "?" + q.Encode(), nil
}

// Send makes one signed request (key set) or an unsigned one; pathQuery is
// relative to the API base. Any status is returned as it came.
func (c *Client) Send(ctx context.Context, call string, key *Key, method, pathQuery string, body []byte) (*apihttp.Response, error) {
	if key != nil {
		signed, err := c.Sign(method, pathQuery, *key)
		if err != nil {
			return nil, msg.CallWrapped.Err(msg.Args{"Call": msg.Call(call), "Err": err}, err)
		}
		pathQuery = signed
	}
	resp, err := apihttp.Send(ctx, c.http, call, apihttp.API(c.base), method, pathQuery, nil, body)
	var tooLarge *apihttp.TooLargeError
	if errors.As(err, &tooLarge) {
		return nil, msg.TooLong.Err(msg.Args{"Call": msg.Call(call), "Status": resp.Status, "Err": tooLarge}, tooLarge)
	}
	return resp, err
}

// APIError is an APIv2 refusal: {"error": {"code", "message"}}, or a
// non-2xx answer without one (Code 0).
type APIError struct {
	Call    string
	Status  int
	Code    int
	Message string // the server's, cleaned; may name the access key, so shown only for codes without advice
	// RetryAfter is what a 429 or 503 asked to wait; zero if unsaid.
	RetryAfter time.Duration
}

// The APIv2 error codes the app acts on (Peatio's).
const (
	CodeAuthorizationFailed = 2001
	CodeSignatureIncorrect  = 2005
	CodeTonceUsed           = 2006
	CodeTonceInvalid        = 2007
	CodeKeyUnknown          = 2008
	CodeKeyDisabled         = 2009
	CodeKeyExpired          = 2010
	CodeOutOfScope          = 2011
)

func (e *APIError) Error() string { return e.Msg().String() }

// Msg says, per code, what went wrong and what to do; for other codes,
// what EXchange said.
func (e *APIError) Msg() msg.Message {
	if advice, ok := msg.ExchangeCodes[e.Code]; ok {
		return msg.ExchangeCodeAdvice.New(msg.Args{"Call": msg.Call(e.Call), "Advice": advice})
	}
	said := http.StatusText(e.Status)
	if e.Message != "" {
		said = e.Message
	}
	if e.Code != 0 {
		said += " (" + strconv.Itoa(e.Code) + ")"
	}
	return msg.ExchangeAnswered.New(msg.Args{"Call": msg.Call(e.Call), "Status": e.Status, "Said": msg.Said(said), "Advice": e.advice()})
}

// advice is what to do about a refusal without an APIv2 code of its own:
// a rate limit says when to try again, as every provider's does.
func (e *APIError) advice() msg.Message {
	switch {
	case e.Status == http.StatusTooManyRequests:
		return msg.RateLimited.New(msg.Args{"Retry": msg.RetryAfter(e.RetryAfter)})
	case e.Status >= 500:
		return msg.ExchangeFailed.New(nil)
	}
	return msg.ExchangeCheckCall.New(nil)
}

// apiErrorOf reads a refusal. The message loses the access key if it
// names it, as Peatio's do.
func apiErrorOf(call string, resp *apihttp.Response, key *Key) *APIError {
	e := &APIError{Call: call, Status: resp.Status, RetryAfter: apihttp.RetryAfter(resp.Header.Get("Retry-After"), time.Now())}
	var body struct {
		Error *struct {
			Code    int    `json:"code"`
			Message string `json:"message"`
		} `json:"error"`
	}
	if json.Unmarshal(resp.Body, &body) == nil && body.Error != nil {
		e.Code = body.Error.Code
		said := body.Error.Message
		if key != nil {
			said = strings.ReplaceAll(said, key.Access, flows.Redacted)
		}
		e.Message = oneline.Clean(said, 200)
	}
	return e
}

// codeOf is the APIv2 error code of a refusal, 0 for anything else.
func codeOf(resp *apihttp.Response) int {
	if resp.Status < 400 {
		return 0
	}
	return apiErrorOf("", resp, nil).Code
}

// IsCode reports whether err is an APIv2 refusal with code.
func IsCode(err error, code int) bool {
	var e *APIError
	return errors.As(err, &e) && e.Code == code
}

// Member is GET /api/v2/members/me: the user and their accounts.
type Member struct {
	SN       string          `json:"sn"`
	Name     string          `json:"name"`
	Email    string          `json:"email"`
	Accounts []MemberAccount `json:"accounts"`
}

// MemberAccount is one balance, amounts exactly as sent.
type MemberAccount struct {
	Currency string        `json:"currency"`
	Balance  flows.Decimal `json:"balance"`
	Locked   flows.Decimal `json:"locked"`
}

// decodeMember reads members/me, refusing what is not the documented
// member: shown to people, its strings are cleaned and its amounts must be
// decimals.
func decodeMember(call string, raw []byte) (*Member, error) {
	var m Member
	if err := json.Unmarshal(raw, &m); err != nil || m.SN == "" || m.Accounts == nil {
		return nil, msg.ExchangeNotMember.Err(msg.Args{"Call": msg.Call(call)})
	}
	clean := func(s string) string { return oneline.Field(s, 200) }
	m.SN, m.Name, m.Email = clean(m.SN), clean(m.Name), clean(m.Email)
	for i, a := range m.Accounts {
		currency := oneline.Field(a.Currency, 20)
		if !a.Balance.IsDecimal() || !a.Locked.IsDecimal() {
			return nil, msg.ExchangeNotDecimal.Err(msg.Args{"Call": msg.Call(call), "Currency": currency, "N": i + 1})
		}
		m.Accounts[i].Currency = currency
	}
	return &m, nil
}

// Keys supplies the key a call is signed with, and renews it when
// EXchange says it expired (the session asks the token broker).
type Keys interface {
	Current() Key
	// Renew returns a key that replaces expired: a new one, or one that
	// another call already got.
	Renew(ctx context.Context, expired Key) (Key, error)
}

// Do sends one signed call with keys' current key. When EXchange answers
// that the key expired (2010), it renews the key and sends the call again,
// once: a second 2010 is returned as it came.
func (c *Client) Do(ctx context.Context, call string, keys Keys, method, pathQuery string, body []byte) (*apihttp.Response, Key, error) {
	key := keys.Current()
	resp, err := c.Send(ctx, call, &key, method, pathQuery, body)
	if err != nil || codeOf(resp) != CodeKeyExpired {
		return resp, key, err
	}
	if key, err = keys.Renew(ctx, key); err != nil {
		return nil, key, msg.ExchangeNotRenewed.Err(msg.Args{"Call": msg.Call(call), "Err": err}, err)
	}
	resp, err = c.Send(ctx, call, &key, method, pathQuery, body)
	return resp, key, err
}

// Me reads the member the keys act for.
func (c *Client) Me(ctx context.Context, keys Keys) (*Member, error) {
	const call = "read the member (GET /api/v2/members/me)"
	resp, key, err := c.Do(ctx, call, keys, http.MethodGet, "/api/v2/members/me", nil)
	if err != nil {
		return nil, err
	}
	if resp.Status != http.StatusOK {
		return nil, apiErrorOf(call, resp, &key)
	}
	return decodeMember(call, resp.Body)
}

// TryAgain implements flows.Transient: a 429 or 503 asks to be sent again.
func (e *APIError) TryAgain() (int, time.Duration) {
	return flows.TransientStatus(e.Status), e.RetryAfter
}

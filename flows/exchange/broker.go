package exchange

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"time"

	"github.com/qexcompanion/qex-companion/flows/msg"
	"github.com/qexcompanion/qex-companion/internal/apihttp"
	"github.com/qexcompanion/qex-companion/internal/oneline"
)

// exampleBroker is a broker URL to show in messages.
const exampleBroker = "https://broker.example.com"

// Broker is a client of the partner's token broker (docs/broker.md): it
// starts sign-ins, exchanges codes and renews user tokens, holding the
// client secret and the refresh token the device must never see.
type Broker struct {
	base *url.URL
	http *http.Client
	now  func() time.Time
}

// NewBroker returns a client of the broker at baseURL.
func NewBroker(baseURL string, hc *http.Client, now func() time.Time) (*Broker, error) {
	base, err := parseBrokerURL(baseURL)
	if err != nil {
		return nil, err
	}
	return &Broker{base: base, http: hc, now: now}, nil
}

func parseBrokerURL(s string) (*url.URL, error) {
	u, err := apihttp.ParseBaseURL(s, exampleBroker)
	if err != nil {
		return nil, msg.BrokerURL.Err(msg.Args{"Example": exampleBroker})
	}
	return u, nil
}

// Grant is the device's handle on its refresh token at the broker: its
// only way to renew the user token, a secret kept in the keychain.
type Grant struct {
	ID     string `json:"id"`
	Secret string `json:"secret"`
}

// UserToken is an APIv2 key pair and when it expires.
type UserToken struct {
	Key     Key
	Expires time.Time
}

// BrokerError is the broker refusing a call: {"error", "message"}.
type BrokerError struct {
	Call       string
	Status     int
	Code       string
	Message    string
	RetryAfter time.Duration
}

func (e *BrokerError) Error() string { return e.Msg().String() }

// Msg is the refusal as a message: the call, the status, the broker's
// error and message, and what to do.
func (e *BrokerError) Msg() msg.Message {
	said := e.Code
	if said == "" {
		said = http.StatusText(e.Status)
	}
	if e.Message != "" {
		said += ": " + e.Message
	}
	return msg.BrokerAnswered.New(msg.Args{"Call": msg.Call(e.Call), "Status": e.Status, "Said": msg.Said(said), "Advice": e.advice()})
}

func (e *BrokerError) advice() msg.Message {
	switch {
	case e.Code == "invalid_grant":
		return msg.BrokerForgot.New(nil)
	case e.Code == "invalid_request":
		return msg.BrokerMalformedReq.New(nil)
	case e.Code == "rate_limited" || e.Status == http.StatusTooManyRequests:
		return msg.RateLimited.New(msg.Args{"Retry": msg.RetryAfter(e.RetryAfter)})
	case e.Code == "exchange_error":
		return msg.BrokerExchangeErr.New(nil)
	case e.Code == "exchange_timeout":
		return msg.BrokerExchangeLate.New(nil)
	case e.Status == http.StatusNotFound:
		return msg.BrokerNone.New(nil)
	case e.Status >= 500:
		return msg.BrokerFailed.New(nil)
	}
	return msg.BrokerCheckURL.New(nil)
}

// IsInvalidGrant reports whether the broker no longer knows a grant.
func IsInvalidGrant(err error) bool {
	var e *BrokerError
	return errors.As(err, &e) && e.Code == "invalid_grant"
}

// post sends body as JSON to path and decodes a 2xx answer into out (nil
// for 204).
func (b *Broker) post(ctx context.Context, call, path string, body, out any) error {
	raw, err := json.Marshal(body)
	if err != nil {
		return err
	}
	resp, err := apihttp.Send(ctx, b.http, "the token broker call to "+call, apihttp.Endpoint{Base: b.base, Setting: msg.SettingBroker}, http.MethodPost, path, nil, raw)
	var tooLarge *apihttp.TooLargeError
	switch {
	case errors.As(err, &tooLarge):
		return msg.BrokerTooLong.Err(msg.Args{"Call": msg.Call(call), "Status": resp.Status, "Err": tooLarge}, tooLarge)
	case err != nil:
		return err
	case resp.Status < 200 || resp.Status > 299:
		var refusal struct {
			Error   string `json:"error"`
			Message string `json:"message"`
		}
		json.Unmarshal(resp.Body, &refusal) //nolint:errcheck // a body that is not the broker's error leaves them empty
		return &BrokerError{Call: call, Status: resp.Status, Code: oneline.Clean(refusal.Error, 40), Message: oneline.Clean(refusal.Message, 200),
			RetryAfter: apihttp.RetryAfter(resp.Header.Get("Retry-After"), b.now())}
	case out == nil:
		return nil
	}
	if err := json.Unmarshal(resp.Body, out); err != nil {
		return msg.BrokerNotJSON.Err(msg.Args{"Call": msg.Call(call), "Status": resp.Status})
	}
	return nil
}

// Start asks the broker for the EXchange page where the user approves,
// returning to redirectURI with state.
func (b *Broker) Start(ctx context.Context, redirectURI, scope, state string) (string, error) {
	const call = "start the sign-in"
	var ans struct {
		AuthorizeURL string `json:"authorize_url"`
	}
	if err := b.post(ctx, call, "/v1/start", map[string]string{"redirect_uri": redirectURI, "scope": scope, "state": state}, &ans); err != nil {
		return "", err
	}
	// The browser opens it: only a web page will do.
	if u, err := url.Parse(ans.AuthorizeURL); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return "", msg.BrokerBadAuthorize.Err(msg.Args{"Call": msg.Call(call)})
	}
	return ans.AuthorizeURL, nil
}

// userTokenAnswer is the user token part of /v1/token and /v1/refresh.
type userTokenAnswer struct {
	UserToken string    `json:"user_token"`
	ExpiresAt time.Time `json:"expires_at"`
}

func (a userTokenAnswer) parse(call string) (UserToken, error) {
	key, err := ParseUserToken(a.UserToken)
	if err != nil {
		return UserToken{}, msg.BrokerBadToken.Err(msg.Args{"Call": msg.Call(call), "Err": err})
	}
	return UserToken{Key: key, Expires: a.ExpiresAt}, nil
}

// Token hands the broker the code the browser brought back; it answers
// the user token and the grant that renews it.
func (b *Broker) Token(ctx context.Context, code, redirectURI string) (UserToken, Grant, error) {
	const call = "exchange the authorization code"
	var ans struct {
		userTokenAnswer
		Grant Grant `json:"grant"`
	}
	if err := b.post(ctx, call, "/v1/token", map[string]string{"code": code, "redirect_uri": redirectURI}, &ans); err != nil {
		return UserToken{}, Grant{}, err
	}
	tok, err := ans.parse(call)
	if err == nil && (ans.Grant.ID == "" || ans.Grant.Secret == "") {
		err = msg.BrokerNoGrant.Err(msg.Args{"Call": msg.Call(call)})
	}
	return tok, ans.Grant, err
}

// Refresh has the broker renew the user token with its refresh token.
func (b *Broker) Refresh(ctx context.Context, g Grant) (UserToken, error) {
	const call = "refresh the user token"
	var ans userTokenAnswer
	if err := b.post(ctx, call, "/v1/refresh", map[string]string{"grant_id": g.ID, "grant_secret": g.Secret}, &ans); err != nil {
		return UserToken{}, err
	}
	return ans.parse(call)
}

// Revoke has the broker forget the grant.
func (b *Broker) Revoke(ctx context.Context, g Grant) error {
	return b.post(ctx, "revoke the sign-in", "/v1/revoke", map[string]string{"grant_id": g.ID, "grant_secret": g.Secret}, nil)
}

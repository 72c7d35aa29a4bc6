package broker

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/qexcompanion/qex-companion/flows/msg"
	"github.com/qexcompanion/qex-companion/internal/apihttp"
	"github.com/qexcompanion/qex-companion/internal/oneline"
)

// DefaultUserTokenLifetime is the seed's: "valid for 4 hours", used when
// EXchange's answer gives no expires_in.
const DefaultUserTokenLifetime = 4 * time.Hour

// exchange calls EXchange's OAuth endpoints (seed 004).
type exchange struct {
	base                   *url.URL
	clientID, clientSecret string
	hc                     *http.Client
	timeout                time.Duration
	observe                Observer
}

// tokens are what EXchange hands out for a code or a refresh token.
type tokens struct {
	userToken    string // "<access_key>:<secret_key>"
	refreshToken string // empty when a refresh did not rotate it
	expiresAt    time.Time
}

// tokenAnswer is Peatio's (Doorkeeper's) token response.
type tokenAnswer struct {
	AccessToken  string `json:"access_token"`
	RefreshToken string `json:"refresh_token"`
	ExpiresIn    int64  `json:"expires_in"`
}

// post sends form (plus the client's credentials) to path and reads the
// answer. what names the call in messages: "the code exchange", "the refresh".
func (x *exchange) post(ctx context.Context, path, what string, form url.Values) (int, []byte, error) {
	form.Set("client_id", x.clientID)
	form.Set("client_secret", x.clientSecret)
	ctx, cancel := context.WithTimeout(ctx, x.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, x.base.String()+path, strings.NewReader(form.Encode()))
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	began := time.Now()
	status, raw, err := x.do(ctx, req, what)
	outcome := "answered"
	if err != nil {
		outcome = "unanswered"
	}
	x.observe.ExchangeCalled(path, time.Since(began), outcome)
	return status, raw, err
}

func (x *exchange) do(ctx context.Context, req *http.Request, what string) (int, []byte, error) {
	resp, err := x.hc.Do(req)
	if err != nil {
		return 0, nil, x.transportError(ctx, what, err)
	}
	defer resp.Body.Close()
	raw, err := apihttp.ReadAll(resp.Body, apihttp.MaxResponseBytes)
	if err != nil {
		var tooLarge *apihttp.TooLargeError
		if errors.As(err, &tooLarge) {
			return 0, nil, exchangeFailed("EXchange's answer to %s was refused: %v", what, err)
		}
		return 0, nil, x.transportError(ctx, what, err)
	}
	return resp.StatusCode, raw, nil
}

// token posts form to /oauth/token.
func (x *exchange) token(ctx context.Context, what string, form url.Values) (tokens, error) {
	sentAt := time.Now()
	status, raw, err := x.post(ctx, "/oauth/token", what, form)
	if err != nil {
		return tokens{}, err
	}
	if status != http.StatusOK {
		e := exchangeFailed("EXchange refused %s (HTTP %d): %s", what, status, redact(refusal(raw), form)).(*apiError)
		e.exchangeCode = oauthCode(raw)
		return tokens{}, e
	}
	var a tokenAnswer
	if err := json.Unmarshal(raw, &a); err != nil {
		return tokens{}, exchangeFailed("EXchange's answer to %s is not the token JSON the documents describe", what)
	}
	ak, sk, ok := strings.Cut(a.AccessToken, ":")
	if !ok || ak == "" || sk == "" || strings.ContainsAny(a.AccessToken, " \t\r\n") {
		return tokens{}, exchangeFailed("EXchange's answer to %s has no user token of the form access_key:secret_key", what)
	}
	lifetime := DefaultUserTokenLifetime
	if a.ExpiresIn > 0 {
		lifetime = time.Duration(a.ExpiresIn) * time.Second
	}
	return tokens{userToken: a.AccessToken, refreshToken: a.RefreshToken, expiresAt: sentAt.Add(lifetime).Truncate(time.Second)}, nil
}

// revoke asks EXchange to forget a refresh token (RFC 7009, as
// Doorkeeper answers it: 200 whether or not it knew the token).
func (x *exchange) revoke(ctx context.Context, refreshToken string) error {
	form := url.Values{"token": {refreshToken}, "token_type_hint": {"refresh_token"}}
	status, raw, err := x.post(ctx, "/oauth/revoke", "the revocation", form)
	if err == nil && status != http.StatusOK {
		err = exchangeFailed("EXchange refused the revocation (HTTP %d): %s", status, redact(refusal(raw), form))
	}
	return err
}

// transportError tells a timeout (504) from other failures to reach
// EXchange (502).
func (x *exchange) transportError(ctx context.Context, what string, err error) error {
	var netErr net.Error
	if errors.Is(ctx.Err(), context.DeadlineExceeded) || (errors.As(err, &netErr) && netErr.Timeout()) {
		return &apiError{Status: http.StatusGatewayTimeout, Code: "exchange_timeout", unanswered: true,
			Message: fmt.Sprintf("EXchange did not answer %s within %s", what, x.timeout)}
	}
	return &apiError{Status: http.StatusBadGateway, Code: "exchange_error", unanswered: true,
		Message: apihttp.TransportError(ctx, "EXchange "+what, apihttp.Endpoint{Base: x.base, Setting: msg.SettingExchangeBase}, err).Error()}
}

func exchangeFailed(format string, args ...any) error {
	return &apiError{Status: http.StatusBadGateway, Code: "exchange_error", Message: fmt.Sprintf(format, args...)}
}

// oauthCode is the OAuth error code of a refusal ("invalid_grant"), or "".
func oauthCode(raw []byte) string {
	var body struct {
		Error string `json:"error"`
	}
	json.Unmarshal(raw, &body) //nolint:errcheck // not an OAuth error: no code
	return body.Error
}

// refusal reads an OAuth error ({"error", "error_description"}) or an
// APIv2 one ({"error": {"code", "message"}}), cleaned for one line.
func refusal(raw []byte) string {
	var body struct {
		Error       json.RawMessage `json:"error"`
		Description string          `json:"error_description"`
	}
	if json.Unmarshal(raw, &body) != nil || len(body.Error) == 0 {
		return "no error the documents describe"
	}
	var code string
	if json.Unmarshal(body.Error, &code) == nil {
		if body.Description != "" {
			code += ": " + body.Description
		}
		return oneline.Clean(code, 300)
	}
	var api struct {
		Code    int    `json:"code"`
		Message string `json:"message"`
	}
	if json.Unmarshal(body.Error, &api) == nil && (api.Code != 0 || api.Message != "") {
		return oneline.Clean(fmt.Sprintf("error %d: %s", api.Code, api.Message), 300)
	}
	return "no error the documents describe"
}

// redact removes what the broker sent (client secret, code, refresh token)
// from EXchange's words, in case it echoes them.
func redact(msg string, form url.Values) string {
	for _, field := range []string{"client_secret", "code", "refresh_token"} {
		if v := form.Get(field); len(v) >= 4 {
			msg = strings.ReplaceAll(msg, v, "[redacted]")
		}
	}
	return msg
}

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

	"github.com/qexcompanion/qex-companion/internal/apihttp"
	"github.com/qexcompanion/qex-companion/internal/oneline"
)

// DefaultUserTokenLifetime is the seed's: "valid for 4 hours", used when
// EXchange's answer gives no expires_in.
const DefaultUserTokenLifetime = 4 * time.Hour

// exchange calls EXchange's token endpoint (seed 004).
type exchange struct {
	base                   *url.URL
	clientID, clientSecret string
	hc                     *http.Client
	timeout                time.Duration
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

// token posts form (plus the client's credentials) to /oauth/token. what
// names the call in messages: "the code exchange", "the refresh".
func (x *exchange) token(ctx context.Context, what string, form url.Values) (tokens, error) {
	form.Set("client_id", x.clientID)
	form.Set("client_secret", x.clientSecret)
	ctx, cancel := context.WithTimeout(ctx, x.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, x.base.String()+"/oauth/token", strings.NewReader(form.Encode()))
	if err != nil {
		return tokens{}, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	sentAt := time.Now()
	resp, err := x.hc.Do(req)
	if err != nil {
		return tokens{}, x.transportError(ctx, what, err)
	}
	defer resp.Body.Close()
	raw, err := apihttp.ReadAll(resp.Body, apihttp.MaxResponseBytes)
	if err != nil {
		var tooLarge *apihttp.TooLargeError
		if errors.As(err, &tooLarge) {
			return tokens{}, exchangeFailed("EXchange's answer to %s was refused: %v", what, err)
		}
		return tokens{}, x.transportError(ctx, what, err)
	}
	if resp.StatusCode != http.StatusOK {
		return tokens{}, exchangeFailed("EXchange refused %s (HTTP %d): %s", what, resp.StatusCode, redact(refusal(raw), form))
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

// transportError tells a timeout (504) from other failures to reach
// EXchange (502).
func (x *exchange) transportError(ctx context.Context, what string, err error) error {
	var netErr net.Error
	if errors.Is(ctx.Err(), context.DeadlineExceeded) || (errors.As(err, &netErr) && netErr.Timeout()) {
		return &apiError{Status: http.StatusGatewayTimeout, Code: "exchange_timeout",
			Message: fmt.Sprintf("EXchange did not answer %s within %s", what, x.timeout)}
	}
	return &apiError{Status: http.StatusBadGateway, Code: "exchange_error",
		Message: apihttp.TransportError(ctx, "EXchange "+what, x.base, err).Error()}
}

func exchangeFailed(format string, args ...any) error {
	return &apiError{Status: http.StatusBadGateway, Code: "exchange_error", Message: fmt.Sprintf(format, args...)}
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

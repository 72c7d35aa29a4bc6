package liquidcommerce

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/qexcompanion/qex-companion/internal/apihttp"
)

// APIError is a refusal: a non-2xx answer, or an envelope whose internal
// statusCode says it failed. Code is that statusCode (e.g. 5000, "API Key
// not found"); Details are the errors array, in one line each.
type APIError struct {
	Call       string
	Status     int
	Code       int
	Message    string
	Details    []string
	RequestID  string
	RetryAfter time.Duration // from Retry-After on 429 and 503; zero if absent
}

func (e *APIError) Error() string {
	said := e.Message
	if said == "" {
		said = http.StatusText(e.Status)
	}
	if e.Code != 0 && e.Code != e.Status {
		said = fmt.Sprintf("%d %s", e.Code, said)
	}
	if len(e.Details) > 0 {
		said += ": " + strings.Join(e.Details, "; ")
	}
	s := fmt.Sprintf("%s failed: the server answered HTTP %d: %q; %s", e.Call, e.Status, said, e.advice())
	if e.RequestID != "" {
		s += " (request id " + e.RequestID + ")"
	}
	return s
}

// advice says what to do about the answer.
func (e *APIError) advice() string {
	switch {
	case e.Status == http.StatusUnauthorized || e.Code == codeKeyNotFound:
		return "check the API key ($" + APIKeyEnvVar + ")"
	case e.Status == http.StatusTooManyRequests:
		return "rate limited: " + retryIn(e.RetryAfter)
	case e.Status == http.StatusServiceUnavailable:
		return "the service is unavailable: " + retryIn(e.RetryAfter)
	case e.Status == http.StatusNotFound:
		return "no such endpoint: check the API base URL"
	case e.Status >= 500:
		return "the server failed: try again later"
	case e.Status >= 400:
		return "the request was refused as invalid"
	}
	return "check the API base URL"
}

// codeKeyNotFound is the seed's statusCode for an unknown API key.
const codeKeyNotFound = 5000

func retryIn(d time.Duration) string {
	if d <= 0 {
		return "try again in a minute"
	}
	return "try again in " + d.Round(time.Second).String()
}

func newAPIError(call string, resp *Response, env *envelope, now time.Time) *APIError {
	e := &APIError{
		Call:       call,
		Status:     resp.Status,
		Code:       env.StatusCode,
		Message:    text(env.Message, 200),
		RequestID:  text(env.Metadata.RequestID, 80),
		RetryAfter: apihttp.RetryAfter(resp.Header.Get("Retry-After"), now),
	}
	for _, raw := range env.Errors {
		if len(e.Details) == 5 {
			e.Details = append(e.Details, "…")
			break
		}
		if d := detail(raw); d != "" {
			e.Details = append(e.Details, d)
		}
	}
	return e
}

// detail is one entry of an errors array in one line: a string, or an
// object's field and message (the seed shows the array, not its entries).
func detail(raw json.RawMessage) string {
	if s := text(raw, 120); s != "" {
		return s
	}
	var obj struct {
		Field   json.RawMessage `json:"field"`
		Message json.RawMessage `json:"message"`
	}
	if json.Unmarshal(raw, &obj) != nil {
		return ""
	}
	msg, field := text(obj.Message, 120), text(obj.Field, 60)
	if field != "" && msg != "" {
		return field + " " + msg
	}
	return msg
}

// IsUnauthorized reports whether err is the server refusing the API key.
func IsUnauthorized(err error) bool {
	var apiErr *APIError
	return errors.As(err, &apiErr) && (apiErr.Status == http.StatusUnauthorized || apiErr.Code == codeKeyNotFound)
}

// MalformedResponseError is an answer that is not the documented JSON.
type MalformedResponseError struct {
	Call   string
	Status int
	Reason string
}

func (e *MalformedResponseError) Error() string {
	return fmt.Sprintf("%s failed: the server's answer (HTTP %d) is not LiquidCommerce API JSON: %s; check the API base URL", e.Call, e.Status, e.Reason)
}

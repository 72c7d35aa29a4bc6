package liquid

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"time"

	"github.com/qexcompanion/qex-companion/internal/apihttp"
	"github.com/qexcompanion/qex-companion/internal/oneline"
)

// APIError is a non-2xx answer. Message quotes the server ({"message": ...});
// Fields holds {"errors": {"field": ["code", ...]}}.
type APIError struct {
	Call       string
	Status     int
	Message    string
	Fields     map[string][]string
	RetryAfter time.Duration // from Retry-After on 429 and 503; zero if absent
}

func (e *APIError) Error() string {
	return fmt.Sprintf("%s failed: the server answered HTTP %d: %q; %s", e.Call, e.Status, e.detail(), e.advice())
}

// detail is what the server said, in one line.
func (e *APIError) detail() string {
	if len(e.Fields) > 0 {
		names := make([]string, 0, len(e.Fields))
		for name := range e.Fields {
			names = append(names, name)
		}
		sort.Strings(names)
		parts := make([]string, len(names))
		for i, name := range names {
			parts[i] = name + ": " + strings.Join(e.Fields[name], ", ")
		}
		return oneline.Clean(strings.Join(parts, "; "), 300)
	}
	if e.Message != "" {
		return e.Message
	}
	return http.StatusText(e.Status)
}

// advice says what to do about the answer.
func (e *APIError) advice() string {
	switch {
	case e.Status == http.StatusUnauthorized && strings.HasPrefix(e.Call, "create"):
		return "check the API token id and secret"
	case e.Status == http.StatusUnauthorized:
		return "the OAuth request is not approved, was denied or has expired: start again"
	case e.Status == http.StatusTooManyRequests:
		return "rate limited (300 requests per 5 minutes): " + retryIn(e.RetryAfter)
	case e.Status == http.StatusServiceUnavailable:
		return "Liquid is unavailable (maintenance): " + retryIn(e.RetryAfter)
	case e.Status == http.StatusBadRequest || e.Status == http.StatusUnprocessableEntity:
		return "the request was refused as invalid"
	case e.Status == http.StatusNotFound:
		return "no such endpoint: check the API base URL and the path"
	case e.Status >= 500:
		return "the server failed: try again later"
	}
	return "check the API base URL"
}

func retryIn(d time.Duration) string {
	if d <= 0 {
		return "try again in a minute"
	}
	return "try again in " + d.Round(time.Second).String()
}

func newAPIError(call string, resp *Response, now time.Time) *APIError {
	e := &APIError{Call: call, Status: resp.Status, RetryAfter: apihttp.RetryAfter(resp.Header.Get("Retry-After"), now)}
	var body struct {
		Message json.RawMessage     `json:"message"`
		Errors  map[string][]string `json:"errors"`
	}
	if json.Unmarshal(resp.Body, &body) == nil {
		var msg string
		if json.Unmarshal(body.Message, &msg) == nil {
			e.Message = oneline.Clean(msg, 300)
		}
		for field, codes := range body.Errors {
			if e.Fields == nil {
				e.Fields = map[string][]string{}
			}
			for _, code := range codes {
				e.Fields[oneline.Clean(field, 60)] = append(e.Fields[oneline.Clean(field, 60)], oneline.Clean(code, 60))
			}
		}
	}
	return e
}

// IsUnauthorized reports whether err is a 401: before approval, after a
// denial or expiry, or with a wrong token.
func IsUnauthorized(err error) bool {
	var apiErr *APIError
	return errors.As(err, &apiErr) && apiErr.Status == http.StatusUnauthorized
}

// MalformedResponseError is a 2xx answer that is not the documented JSON.
type MalformedResponseError struct {
	Call   string
	Status int
	Reason string
}

func (e *MalformedResponseError) Error() string {
	return fmt.Sprintf("%s failed: the server's answer (HTTP %d) is not Liquid API JSON: %s; check the API base URL", e.Call, e.Status, e.Reason)
}

func shortJSONError(err error) string {
	var typeErr *json.UnmarshalTypeError
	if errors.As(err, &typeErr) {
		return fmt.Sprintf("field %q has a JSON %s where a %s was expected", typeErr.Field, typeErr.Value, typeErr.Type)
	}
	// encoding/json names neither the field nor a type for a json.Number
	// that is not a number: "invalid number literal, trying to unmarshal …".
	if strings.Contains(err.Error(), "invalid number literal") {
		return "a field that must be a number (such as user_id) holds something else"
	}
	return oneline.Clean(strings.TrimPrefix(err.Error(), "json: "), 200)
}

package liquid

import (
	"encoding/json"
	"errors"
	"net/http"
	"sort"
	"strings"
	"time"

	"github.com/qexcompanion/qex-companion/flows/msg"
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

func (e *APIError) Error() string { return e.Msg().String() }

// Msg is the refusal as a message: the call, the status, what the server
// said and what to do.
func (e *APIError) Msg() msg.Message {
	return msg.LiquidAnswered.New(msg.Args{"Call": msg.Call(e.Call), "Status": e.Status, "Said": msg.Said(e.detail()), "Advice": e.advice()})
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
func (e *APIError) advice() msg.Message {
	switch {
	case e.Status == http.StatusUnauthorized && strings.HasPrefix(e.Call, "create"):
		return msg.LiquidCheckToken.New(nil)
	case e.Status == http.StatusUnauthorized:
		return msg.LiquidNotApproved.New(nil)
	case e.Status == http.StatusTooManyRequests:
		return msg.LiquidRateLimited.New(msg.Args{"Retry": msg.RetryAfter(e.RetryAfter)})
	case e.Status == http.StatusServiceUnavailable:
		return msg.LiquidMaintenance.New(msg.Args{"Retry": msg.RetryAfter(e.RetryAfter)})
	case e.Status == http.StatusBadRequest || e.Status == http.StatusUnprocessableEntity:
		return msg.RefusedInvalid.New(nil)
	case e.Status == http.StatusNotFound:
		return msg.LiquidNoEndpoint.New(nil)
	case e.Status >= 500:
		return msg.ServerFailedLater.New(nil)
	}
	return msg.CheckAPIBase.New(nil)
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
	Reason msg.Message
}

func (e *MalformedResponseError) Error() string { return e.Msg().String() }

func (e *MalformedResponseError) Msg() msg.Message {
	return msg.LiquidMalformed.New(msg.Args{"Call": msg.Call(e.Call), "Status": e.Status, "Reason": e.Reason})
}

func shortJSONError(err error) msg.Message {
	var typeErr *json.UnmarshalTypeError
	if m, ok := msg.Of(err); ok {
		return m
	}
	if errors.As(err, &typeErr) {
		return msg.FieldType.New(msg.Args{"Field": typeErr.Field, "Value": typeErr.Value, "Type": typeErr.Type.String()})
	}
	// encoding/json names neither the field nor a type for a json.Number
	// that is not a number: "invalid number literal, trying to unmarshal …".
	if strings.Contains(err.Error(), "invalid number literal") {
		return msg.NotANumber.New(nil)
	}
	return msg.JSONError.New(msg.Args{"Err": msg.Detail(oneline.Clean(strings.TrimPrefix(err.Error(), "json: "), 200))})
}

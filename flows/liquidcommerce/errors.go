package liquidcommerce

import (
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/qexcompanion/qex-companion/flows/msg"
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

func (e *APIError) Error() string { return e.Msg().String() }

// Msg is the refusal as a message: the call, the status, what the server
// said (its code, message and details) and what to do.
func (e *APIError) Msg() msg.Message {
	said := e.Message
	if said == "" {
		said = http.StatusText(e.Status)
	}
	if e.Code != 0 && e.Code != e.Status {
		said = strconv.Itoa(e.Code) + " " + said
	}
	if len(e.Details) > 0 {
		said += ": " + strings.Join(e.Details, "; ")
	}
	args := msg.Args{"Call": msg.Call(e.Call), "Status": e.Status, "Said": msg.Said(said), "Advice": e.advice(), "RequestID": e.RequestID}
	if e.RequestID != "" {
		return msg.CommerceAnsweredID.New(args)
	}
	return msg.CommerceAnswered.New(args)
}

// advice says what to do about the answer.
func (e *APIError) advice() msg.Message {
	switch {
	case e.Status == http.StatusUnauthorized || e.Code == codeKeyNotFound:
		return msg.CommerceCheckKey.New(msg.Args{"EnvVar": APIKeyEnvVar})
	case e.Status == http.StatusTooManyRequests:
		return msg.RateLimited.New(msg.Args{"Retry": msg.RetryAfter(e.RetryAfter)})
	case e.Status == http.StatusServiceUnavailable:
		return msg.CommerceUnavailable.New(msg.Args{"Retry": msg.RetryAfter(e.RetryAfter)})
	case e.Status == http.StatusNotFound:
		return msg.NoSuchEndpoint.New(nil)
	case e.Status >= 500:
		return msg.ServerFailedLater.New(nil)
	case e.Status >= 400:
		return msg.RefusedInvalid.New(nil)
	}
	return msg.CheckAPIBase.New(nil)
}

// codeKeyNotFound is the seed's statusCode for an unknown API key.
const codeKeyNotFound = 5000

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
	Reason msg.Message
}

func (e *MalformedResponseError) Error() string { return e.Msg().String() }

func (e *MalformedResponseError) Msg() msg.Message {
	return msg.CommerceMalformed.New(msg.Args{"Call": msg.Call(e.Call), "Status": e.Status, "Reason": e.Reason})
}

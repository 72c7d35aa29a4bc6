// Package hostile answers HTTP calls the way a broken or hostile server
// would: errors in HTML, rate limits, hangs, a drip of bytes, bodies far too
// large, JSON that is not what the documents say, escape sequences and
// redirect loops. Tests point the app at it to check that every fault ends
// in one clear line, in time, in bounded memory and with no secret shown.
package hostile

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"runtime"
	"strings"
	"sync"
	"time"
)

// Fault is one way of answering a call badly.
type Fault string

// The faults. Those under "shapes" take their JSON from the call, since what
// is missing or wrong depends on what the call returns.
const (
	None         Fault = "success"
	ServerError  Fault = "500 HTML"
	RateLimited  Fault = "429 Retry-After"
	Unauthorized Fault = "401"
	NotFound     Fault = "404"
	Hang         Fault = "hang"
	Drip         Fault = "drip 1 byte/s"
	BadJSON      Fault = "malformed JSON"
	Refused      Fault = "refused"
	Huge         Fault = "50 MB body"
	WrongType    Fault = "wrong content type"
	RedirectLoop Fault = "redirect loop"
	// shapes
	MissingFields Fault = "missing fields"
	Nulls         Fault = "nulls"
	NotNumbers    Fault = "non-numeric amounts"
	Escapes       Fault = "escape sequences"
)

// Faults lists every fault, in the order a matrix runs them.
var Faults = []Fault{ServerError, RateLimited, Unauthorized, NotFound, Hang, Drip, BadJSON, Refused, Huge, WrongType, RedirectLoop, MissingFields, Nulls, NotNumbers, Escapes}

// RetryAfterSeconds is what RateLimited asks the client to wait.
const RetryAfterSeconds = 1

// HugeBytes is the size of the Huge body, streamed, never held in memory.
const HugeBytes = 50 << 20

// Terminal is text that would take over a terminal printed raw: clear the
// screen, retitle the window, ring the bell, reverse the text direction.
const Terminal = "\x1b[2J\x1b]0;pwned\x07\a\u202e"

// RefusedMessage is the server's message for Refused, with Terminal in it.
const RefusedMessage = Terminal + "Refused by the hostile server"

// Dialect is how a provider's API shapes its answers: what the faults
// that are answers (rather than hangs or broken HTTP) look like.
type Dialect struct {
	// Success is the body of a 2xx answer carrying payload, a JSON value.
	Success func(payload string) string
	// Failure is the body of an answer refusing the call with message and
	// HTTP status.
	Failure func(status int, message string) string
	// RefusedStatus is the status a refusal comes with: 200 where the body
	// says whether the call succeeded, an error status where only it does.
	RefusedStatus int
}

// QEX wraps every answer in the QEX envelope:
// {"success", "environment", "message", "payload"}.
var QEX = Dialect{
	Success:       func(payload string) string { return envelope(true, "", payload) },
	Failure:       func(_ int, message string) string { return envelope(false, message, "null") },
	RefusedStatus: http.StatusOK,
}

// Liquid answers with the JSON itself, and errors as {"message": ...} with
// the HTTP status saying it is one.
var Liquid = Dialect{
	Success:       func(payload string) string { return payload },
	Failure:       func(_ int, message string) string { return `{"message": ` + jsonString(message) + `}` },
	RefusedStatus: http.StatusUnprocessableEntity,
}

// OAuth2 answers like an RFC 6749 token endpoint: the JSON itself, and
// errors as {"error", "error_description"}, with 400, or 401 for a client
// it does not know.
var OAuth2 = Dialect{
	Success: func(payload string) string { return payload },
	Failure: func(status int, message string) string {
		code := "invalid_request"
		if status == http.StatusUnauthorized {
			code = "invalid_client"
		}
		return `{"error": "` + code + `", "error_description": ` + jsonString(message) + `}`
	},
	RefusedStatus: http.StatusBadRequest,
}

// LiquidCommerce wraps every answer in {statusCode, message, metadata,
// data}; a refusal has an errors array and an internal statusCode: the
// HTTP status, or, when only the body says it failed, the seed's 5000 "API
// Key not found" with the message in errors.
var LiquidCommerce = Dialect{
	Success: func(payload string) string { return commerceEnvelope(200, "OK", `"data": `+payload) },
	Failure: func(status int, message string) string {
		if status != http.StatusOK {
			return commerceEnvelope(status, message, `"errors": []`)
		}
		return commerceEnvelope(5000, "API Key not found", `"errors": [{"field": "X-LIQUID-API-KEY", "message": `+jsonString(message)+`}]`)
	},
	RefusedStatus: http.StatusOK,
}

// Broker answers like the partner's token broker (EXchange's): the JSON
// itself, and refusals as {"error", "message"} with an error status.
var Broker = Dialect{
	Success: func(payload string) string { return payload },
	Failure: func(status int, message string) string {
		code := "invalid_request"
		switch status {
		case http.StatusTooManyRequests:
			code = "rate_limited"
		case http.StatusUnauthorized:
			code = "invalid_grant"
		}
		return `{"error": "` + code + `", "message": ` + jsonString(message) + `}`
	},
	RefusedStatus: http.StatusBadRequest,
}

// Peatio answers like EXchange's APIv2: the JSON itself, and refusals as
// {"error": {"code", "message"}} with an error status (2001: the
// authorization failed).
var Peatio = Dialect{
	Success: func(payload string) string { return payload },
	Failure: func(status int, message string) string {
		code := 1001
		if status == http.StatusUnauthorized {
			code = 2001
		}
		return fmt.Sprintf(`{"error": {"code": %d, "message": %s}}`, code, jsonString(message))
	},
	RefusedStatus: http.StatusBadRequest,
}

// Respond answers r with fault in dialect d. payload is the call's JSON
// payload for a success or a shape fault; "" means the call has none for
// that fault.
func Respond(w http.ResponseWriter, r *http.Request, d Dialect, fault Fault, payload string) {
	// The server notices the client leaving only once the request body is
	// read: a hang must end when the client gives up.
	io.Copy(io.Discard, http.MaxBytesReader(w, r.Body, 64<<10)) //nolint:errcheck // the body does not matter
	switch fault {
	case ServerError:
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(http.StatusInternalServerError)
		fmt.Fprint(w, "<html><body><h1>500 Internal Server Error</h1><p>nginx</p></body></html>")
	case RateLimited:
		w.Header().Set("Retry-After", fmt.Sprint(RetryAfterSeconds))
		writeJSON(w, http.StatusTooManyRequests, d.Failure(http.StatusTooManyRequests, "Too many requests."))
	case Unauthorized:
		writeJSON(w, http.StatusUnauthorized, d.Failure(http.StatusUnauthorized, "Not authorized."))
	case NotFound:
		w.Header().Set("Content-Type", "text/plain")
		w.WriteHeader(http.StatusNotFound)
		fmt.Fprint(w, "404 page not found")
	case Hang:
		<-r.Context().Done()
	case Drip:
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusOK)
		for {
			w.Write([]byte(" ")) //nolint:errcheck // the client leaving ends the loop
			w.(http.Flusher).Flush()
			select {
			case <-r.Context().Done():
				return
			case <-time.After(time.Second):
			}
		}
	case BadJSON:
		// A success cut short before its last byte.
		body := d.Success("{}")
		writeJSON(w, http.StatusOK, body[:len(body)-1])
	case Refused:
		writeJSON(w, d.RefusedStatus, d.Failure(d.RefusedStatus, RefusedMessage))
	case Huge:
		w.Header().Set("Content-Type", "application/json")
		Stream(w, HugeBytes)
	case WrongType:
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, "<!doctype html><title>Sign in to the Wi-Fi</title><form>…</form>")
	case RedirectLoop:
		http.Redirect(w, r, r.URL.RequestURI(), http.StatusTemporaryRedirect)
	default: // None and the shapes
		writeJSON(w, http.StatusOK, d.Success(payload))
	}
}

// Stream writes n bytes of JSON whitespace without holding them in memory,
// stopping when the client stops reading.
func Stream(w http.ResponseWriter, n int64) {
	w.Header().Set("Content-Length", fmt.Sprint(n))
	chunk := []byte(strings.Repeat(" ", 64<<10))
	for sent := int64(0); sent < n; sent += int64(len(chunk)) {
		if _, err := w.Write(chunk[:min(int64(len(chunk)), n-sent)]); err != nil {
			return // the client stopped reading, as it should
		}
	}
}

// WatchHeap samples the heap in use until Stop, to catch a body being
// held in memory whole, however briefly.
func WatchHeap() *HeapWatch {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	h := &HeapWatch{base: ms.HeapInuse, done: make(chan struct{})}
	h.wg.Add(1)
	go func() {
		defer h.wg.Done()
		tick := time.NewTicker(2 * time.Millisecond)
		defer tick.Stop()
		for {
			runtime.ReadMemStats(&ms)
			h.peak = max(h.peak, ms.HeapInuse)
			select {
			case <-h.done:
				return
			case <-tick.C:
			}
		}
	}()
	return h
}

// HeapWatch is a running WatchHeap.
type HeapWatch struct {
	base, peak uint64
	done       chan struct{}
	wg         sync.WaitGroup
}

// Stop ends the watch and returns the peak growth over the heap in use
// when it started.
func (h *HeapWatch) Stop() uint64 {
	close(h.done)
	h.wg.Wait()
	return h.peak - min(h.base, h.peak)
}

// envelope is a body in the QEX API envelope.
func envelope(success bool, message, payload string) string {
	return fmt.Sprintf(`{"success": %t, "environment": "SANDBOX", "message": %s, "payload": %s}`, success, jsonString(message), payload)
}

// commerceEnvelope is a body in the LiquidCommerce envelope; rest is its
// data or errors member.
func commerceEnvelope(statusCode int, message, rest string) string {
	return fmt.Sprintf(`{"statusCode": %d, "message": %s, "metadata": {"languages": ["en"], "timestamp": 1731590739955, "timezone": "UTC", "requestId": "reqid_hostile", "path": "/api/authentication", "version": "1.7.0"}, %s}`, statusCode, jsonString(message), rest)
}

// jsonString quotes s as JSON: Go's %q is not JSON.
func jsonString(s string) string {
	quoted, _ := json.Marshal(s)
	return string(quoted)
}

func writeJSON(w http.ResponseWriter, status int, body string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	fmt.Fprint(w, body)
}

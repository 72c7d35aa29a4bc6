package flows

import (
	"errors"
	"io"
	"net/http"
	"net/url"
	"sync"
	"time"

	"github.com/qexcompanion/qex-companion/flows/msg"
	"github.com/qexcompanion/qex-companion/internal/apihttp"
)

// HTTPExchange is one request to a provider server and its answer, redacted:
// no session secret, JWT or token survives in it. The inspector lists these.
type HTTPExchange struct {
	Start           time.Time
	Method          string
	URL             string // as sent; the URLs here carry no secrets
	Path            string // path and query, for the list
	Status          int    // 0 when no answer came
	Proto           string // of the answer, "HTTP/1.1" or "HTTP/2.0"; "" when none came
	Latency         time.Duration
	RequestHeaders  string
	RequestBody     string
	ResponseHeaders string
	ResponseBody    string
	Err             string // transport failure, if any
}

// Host is the URL's host and port, as in "127.0.0.1:40123", so calls to the
// sandbox and to production tell apart at a glance.
func (e HTTPExchange) Host() string {
	u, err := url.Parse(e.URL)
	if err != nil {
		return ""
	}
	return u.Host
}

func (e HTTPExchange) String() string { return e.Message().String() }

func (e HTTPExchange) Message() msg.Message {
	// Under a millisecond reads "<1ms", as the inspector's list has it,
	// not "0s".
	var latency any = e.Latency.Round(time.Millisecond)
	if e.Latency < time.Millisecond {
		latency = "<1ms"
	}
	args := msg.Args{"Method": e.Method, "Path": e.Path, "Status": e.Status, "Latency": latency, "Err": msg.Detail(e.Err)}
	switch {
	case e.Err != "" && e.Status != 0:
		return msg.EventExchangeCut.New(args)
	case e.Err != "":
		return msg.EventExchangeFailed.New(args)
	}
	return msg.EventExchange.New(args)
}

// maxInspectedBody bounds what an exchange keeps of each body.
const maxInspectedBody = 64 << 10

// bodyCutNote ends an inspected body that was longer than what is kept.
var bodyCutNote = "\n… (cut: the inspector keeps the first " + apihttp.Size(maxInspectedBody) + ")"

// inspectingTransport reports every exchange to emit, redacted.
type inspectingTransport struct {
	next http.RoundTripper
	emit func(Event)
}

// NewInspectingClient returns an HTTP client that reports each exchange as a
// redacted HTTPExchange event.
func NewInspectingClient(emit func(Event), timeout time.Duration) *http.Client {
	return &http.Client{Timeout: timeout, Transport: &inspectingTransport{next: http.DefaultTransport, emit: emit}, CheckRedirect: apihttp.CheckRedirect}
}

func (t *inspectingTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	u := redactURL(req.URL)
	ex := HTTPExchange{Start: time.Now(), Method: req.Method, URL: u.String(), Path: u.RequestURI(), RequestHeaders: redactHeaders(req.Header)}
	if req.Body != nil && req.GetBody != nil {
		if body, err := req.GetBody(); err == nil {
			raw, _ := io.ReadAll(io.LimitReader(body, maxInspectedBody))
			body.Close()
			ex.RequestBody = redactBodyOf(req.Header.Get("Content-Type"), raw)
		}
	}
	resp, err := t.next.RoundTrip(req)
	ex.Latency = time.Since(ex.Start)
	if err != nil {
		ex.Err = err.Error()
		t.emit(ex)
		return nil, err
	}
	ex.Status, ex.Proto = resp.StatusCode, resp.Proto
	ex.ResponseHeaders = redactHeaders(resp.Header)
	// The caller reads the body, within its own limit; the inspector keeps
	// a bounded copy of what went by and reports the exchange when the
	// caller is done with it.
	resp.Body = &inspectedBody{body: resp.Body, done: func(kept []byte, cut bool, err error) {
		ex.ResponseBody = redactBodyOf(resp.Header.Get("Content-Type"), kept)
		if cut {
			ex.ResponseBody += bodyCutNote
		}
		if err != nil {
			// The answer broke off: its latency is how long it ran.
			ex.Err = err.Error()
			ex.Latency = time.Since(ex.Start)
		}
		t.emit(ex)
	}}
	return resp, nil
}

// inspectedBody passes a response body through to its reader, keeping the
// first maxInspectedBody bytes, and calls done once: at the end of the body,
// on a read error, or when it is closed, whichever comes first.
type inspectedBody struct {
	body io.ReadCloser
	done func(kept []byte, cut bool, err error)

	mu       sync.Mutex
	kept     []byte
	cut      bool
	finished bool
}

func (b *inspectedBody) Read(p []byte) (int, error) {
	n, err := b.body.Read(p)
	b.mu.Lock()
	defer b.mu.Unlock()
	room := maxInspectedBody - len(b.kept)
	b.kept = append(b.kept, p[:min(n, room)]...)
	b.cut = b.cut || n > room
	if err != nil {
		b.finish(err)
	}
	return n, err
}

func (b *inspectedBody) Close() error {
	err := b.body.Close()
	b.mu.Lock()
	defer b.mu.Unlock()
	b.finish(nil)
	return err
}

// finish reports the exchange once; the caller holds mu.
func (b *inspectedBody) finish(err error) {
	if b.finished {
		return
	}
	b.finished = true
	if errors.Is(err, io.EOF) {
		err = nil
	}
	b.done(b.kept, b.cut, err)
}

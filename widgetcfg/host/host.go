// Package host serves the partner's QEX widget on a local page, so partners
// can watch it run with the app's configuration and see every event it
// emits, without writing a web page.
//
// The page itself holds nothing secret, so any local process may fetch it.
// The app opens it with a one-time launch nonce in the URL's fragment (never
// sent in a request line, so never in a log); the page's script trades that
// nonce, once, for the per-run token and keeps the token in memory only. The
// configuration (with the session secret) and the event relay need that
// token. A cookie would not do: browsers send 127.0.0.1's cookies to every
// port on it, so any local server the browser visits would get it.
package host

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/qexcompanion/qex-companion/assets"
	"github.com/qexcompanion/qex-companion/flows/msg"
	"github.com/qexcompanion/qex-companion/internal/acceptlang"
	"github.com/qexcompanion/qex-companion/widgetcfg"
)

// ProductionScriptURL is where the production widget script lived.
const ProductionScriptURL = "https://partners.liquid.com/static/liquid-qex-widget/index.umd.js"

// ScriptPath is the widget script's path on a QEX server (and the sandbox).
const ScriptPath = "/static/liquid-qex-widget/index.umd.js"

const (
	// maxEventBytes bounds one posted event.
	maxEventBytes = 64 << 10
	// maxLaunchBytes bounds the page's launch request, {"launch": nonce}.
	maxLaunchBytes = 1 << 10
	// launchTTL is how long a launch link stays usable if nobody opens it:
	// long enough to copy it from the app by hand, short enough that a link
	// left in a terminal's scrollback soon opens nothing.
	launchTTL = 10 * time.Minute
)

var (
	pageTemplate = template.Must(template.ParseFS(assets.FS, "host/page.html"))
	hostJS       = mustRead("host/host.js")
	hostCSS      = mustRead("host/host.css")
)

func mustRead(name string) []byte {
	b, err := assets.FS.ReadFile(name)
	if err != nil {
		panic(err) // embedded at build time: only a build mistake gets here
	}
	return b
}

// Event is one widget event, as the widget emitted it.
type Event struct {
	At   time.Time
	Name string
	Data json.RawMessage
}

// Options configure a Host.
type Options struct {
	// ScriptURL is the widget script: ProductionScriptURL, or ScriptPath on
	// the sandbox's origin.
	ScriptURL string
	// Environment names what the page runs against, shown on it.
	Environment string
	// Config returns the configuration the page starts the widget with.
	Config func() widgetcfg.Config
	// OnEvent hears each event the page relays, in order; it must not block.
	OnEvent func(Event)
	// OnRefused hears of each refused request, and why.
	OnRefused func(reason msg.Message)
}

// Host is the local server.
type Host struct {
	opts   Options
	token  string // the per-run token; only a launched page is given it
	origin string // http://127.0.0.1:PORT
	srv    *http.Server
	mu     sync.Mutex // events reach OnEvent one at a time, in order

	launchMu sync.Mutex
	// launches holds the SHA-256 of each unused launch nonce, and when it
	// expires: looking up a hash leaks nothing useful about a nonce by timing.
	launches map[[sha256.Size]byte]time.Time
	now      func() time.Time
}

// Start serves the host page on a free loopback port.
func Start(opts Options) (*Host, error) {
	script, err := url.Parse(opts.ScriptURL)
	if err != nil || (script.Scheme != "http" && script.Scheme != "https") || script.Host == "" {
		return nil, msg.HostBadScript.Err(msg.Args{"URL": opts.ScriptURL})
	}
	if opts.Config == nil || opts.OnEvent == nil {
		return nil, msg.HostNeedsOptions.Err(nil)
	}
	if opts.OnRefused == nil {
		opts.OnRefused = func(msg.Message) {}
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, msg.HostCannotStart.Err(msg.Args{"Err": err}, err)
	}
	h := &Host{
		opts: opts, token: randomHex(), origin: "http://" + ln.Addr().String(),
		launches: map[[sha256.Size]byte]time.Time{}, now: time.Now,
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", h.page("widget"))
	mux.HandleFunc("GET /hosted", h.page("hosted"))
	mux.HandleFunc("GET /host.js", h.static("text/javascript; charset=utf-8", hostJS))
	mux.HandleFunc("GET /host.css", h.static("text/css; charset=utf-8", hostCSS))
	mux.HandleFunc("POST /launch", h.launch)
	mux.HandleFunc("GET /config", h.config)
	mux.HandleFunc("POST /events", h.event)
	h.srv = &http.Server{
		Handler:           h.checkHost(mux),
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       30 * time.Second, // a body dripped byte by byte ends too
		MaxHeaderBytes:    64 << 10,
	}
	go h.srv.Serve(ln) //nolint:errcheck // Serve returns ErrServerClosed after Close.
	return h, nil
}

// randomHex is 32 random bytes, in hex.
func randomHex() string {
	var b [32]byte
	rand.Read(b[:]) // never fails since Go 1.24
	return hex.EncodeToString(b[:])
}

// LaunchURL mints a one-time link to the host page, for the browser the app
// opens; HostedLaunchURL one to the hosted-page variant for webviews. Each
// link works once, within launchTTL.
func (h *Host) LaunchURL() string       { return h.mintLaunch("/") }
func (h *Host) HostedLaunchURL() string { return h.mintLaunch("/hosted") }

func (h *Host) mintLaunch(path string) string {
	nonce := randomHex()
	h.launchMu.Lock()
	defer h.launchMu.Unlock()
	now := h.now()
	for k, expires := range h.launches {
		if now.After(expires) {
			delete(h.launches, k)
		}
	}
	h.launches[sha256.Sum256([]byte(nonce))] = now.Add(launchTTL)
	return h.origin + path + "#launch=" + nonce
}

// useLaunch spends nonce, if it is an unused, unexpired launch nonce.
func (h *Host) useLaunch(nonce string) bool {
	key := sha256.Sum256([]byte(nonce))
	h.launchMu.Lock()
	defer h.launchMu.Unlock()
	expires, ok := h.launches[key]
	delete(h.launches, key)
	return ok && !h.now().After(expires)
}

// Close stops the server.
func (h *Host) Close() error { return h.srv.Close() }

// checkHost answers only requests addressed to this server by its own
// address, against DNS rebinding.
func (h *Host) checkHost(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if "http://"+r.Host != h.origin {
			h.opts.OnRefused(msg.HostRefusedHost.New(msg.Args{"Host": r.Host}))
			http.Error(w, "wrong host", http.StatusMisdirectedRequest)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// csp allows the page's own files, the widget's origin (its script, its
// API calls, its frames) and nothing else: no inline script at all.
func (h *Host) csp() string {
	script, _ := url.Parse(h.opts.ScriptURL)
	widget := script.Scheme + "://" + script.Host
	return strings.Join([]string{
		"default-src 'none'",
		"script-src 'self' " + widget,
		"connect-src 'self' " + widget,
		"frame-src " + widget,
		"img-src 'self' data: " + widget,
		"style-src 'self' 'unsafe-inline' " + widget,
		"font-src " + widget,
		"base-uri 'none'",
		"form-action 'none'",
		"frame-ancestors 'none'",
	}, "; ")
}

// pageWords are the host page's own words, by language.
var pageWords = map[string]map[string]string{
	"Host":    {"en": "widget host", "ja": "ウィジェットホスト"},
	"Loading": {"en": "Loading the widget…", "ja": "ウィジェットを読み込んでいます…"},
}

func (h *Host) page(mode string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		var buf bytes.Buffer
		lang := acceptlang.Preferred(r)
		err := pageTemplate.Execute(&buf, map[string]string{
			"Mode": mode, "ScriptURL": h.opts.ScriptURL, "Environment": h.opts.Environment,
			"Lang": lang, "Host": pageWords["Host"][lang], "Loading": pageWords["Loading"][lang],
		})
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Security-Policy", h.csp())
		w.Header().Set("Referrer-Policy", "no-referrer")
		w.Header().Set("Cache-Control", "no-store")
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write(buf.Bytes()) //nolint:errcheck // the browser went away
	}
}

func (h *Host) static(contentType string, body []byte) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", contentType)
		w.Header().Set("Cache-Control", "no-store")
		w.Write(body) //nolint:errcheck // the browser went away
	}
}

// openAgain is what a page without a usable launch link is told.
const openAgain = "this widget link was already used or has expired: open the widget from QEX Companion again"

// fromPage checks what a browser says about where a request comes from. It
// is defence in depth, not authentication: any local process can set
// Origin by hand. Browsers omit Origin on same-origin GETs, so it may be
// absent there.
func (h *Host) fromPage(r *http.Request, originRequired bool) bool {
	origin, sent := r.Header["Origin"]
	if !sent {
		return !originRequired
	}
	return len(origin) == 1 && origin[0] == h.origin
}

// authorised checks the bearer token, in constant time.
func (h *Host) authorised(r *http.Request) bool {
	got, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	return ok && subtle.ConstantTimeCompare([]byte(got), []byte(h.token)) == 1
}

// readBody reads at most limit bytes of r's body; a longer body is refused
// with 413, anything else unreadable with 400.
func (h *Host) readBody(w http.ResponseWriter, r *http.Request, limit int64, what msg.Kind) ([]byte, bool) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
	if err == nil {
		return body, true
	}
	var tooLarge *http.MaxBytesError
	if errors.As(err, &tooLarge) {
		h.opts.OnRefused(msg.HostRefusedLarge.New(msg.Args{"What": what, "Limit": limit}))
		http.Error(w, "too large: at most "+strconv.FormatInt(limit, 10)+" bytes", http.StatusRequestEntityTooLarge)
		return nil, false
	}
	h.opts.OnRefused(msg.HostRefusedUnread.New(msg.Args{"What": what}))
	http.Error(w, "the body could not be read", http.StatusBadRequest)
	return nil, false
}

// launch trades a launch nonce, once, for the per-run token.
func (h *Host) launch(w http.ResponseWriter, r *http.Request) {
	if !h.fromPage(r, true) {
		h.opts.OnRefused(msg.HostRefusedLaunch.New(msg.Args{"Origin": r.Header.Get("Origin")}))
		http.Error(w, "only the host page may launch", http.StatusForbidden)
		return
	}
	body, ok := h.readBody(w, r, maxLaunchBytes, msg.HostLaunchRequest)
	if !ok {
		return
	}
	var req struct {
		Launch string `json:"launch"`
	}
	if json.Unmarshal(body, &req) != nil || !h.useLaunch(req.Launch) {
		h.opts.OnRefused(msg.HostRefusedLink.New(nil))
		http.Error(w, openAgain, http.StatusForbidden)
		return
	}
	data, _ := json.Marshal(map[string]string{"token": h.token})
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.Write(data) //nolint:errcheck // the browser went away
}

func (h *Host) config(w http.ResponseWriter, r *http.Request) {
	if !h.fromPage(r, false) || !h.authorised(r) {
		h.opts.OnRefused(msg.HostRefusedConfig.New(nil))
		http.Error(w, openAgain, http.StatusForbidden)
		return
	}
	data, err := json.Marshal(h.opts.Config())
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.Write(data) //nolint:errcheck // the browser went away
}

func (h *Host) event(w http.ResponseWriter, r *http.Request) {
	switch {
	case !h.fromPage(r, true):
		h.opts.OnRefused(msg.HostRefusedOrigin.New(msg.Args{"Origin": r.Header.Get("Origin")}))
		http.Error(w, "only the host page may post events", http.StatusForbidden)
		return
	case !h.authorised(r):
		h.opts.OnRefused(msg.HostRefusedNoToken.New(nil))
		http.Error(w, openAgain, http.StatusForbidden)
		return
	}
	body, ok := h.readBody(w, r, maxEventBytes, msg.HostAnEvent)
	if !ok {
		return
	}
	var e struct {
		Event string          `json:"event"`
		Data  json.RawMessage `json:"data"`
	}
	if json.Unmarshal(body, &e) != nil || e.Event == "" || len(e.Event) > 64 {
		h.opts.OnRefused(msg.HostRefusedBadJSON.New(nil))
		http.Error(w, "an event is {\"event\": name, \"data\": …}", http.StatusBadRequest)
		return
	}
	if len(e.Data) == 0 {
		e.Data = json.RawMessage("null")
	}
	h.mu.Lock()
	h.opts.OnEvent(Event{At: time.Now(), Name: e.Event, Data: e.Data})
	h.mu.Unlock()
	w.WriteHeader(http.StatusNoContent)
}

// Summary is a one-line description of an event, such as
// "funding → verifying".
func (e Event) Summary() string {
	var d map[string]any
	json.Unmarshal(e.Data, &d) //nolint:errcheck // summaries of odd data are just shorter
	str := func(k string) string {
		if v, ok := d[k]; ok && v != nil {
			return fmt.Sprint(v)
		}
		return "null"
	}
	switch e.Name {
	case "step_transition":
		return str("old_step") + " → " + str("new_step")
	case "ui_event":
		return str("ui_event") + " " + str("value")
	case "transaction_created":
		return "transaction " + str("transaction_id") + " " + str("status")
	case "suggested_size":
		return "height " + str("backgroundHeight")
	case "ERROR":
		return str("code") + ": " + str("message")
	}
	return string(e.Data)
}

// Pretty is the event's data as indented JSON.
func (e Event) Pretty() string {
	var out bytes.Buffer
	if json.Indent(&out, e.Data, "", "  ") != nil {
		return string(e.Data)
	}
	return out.String()
}

// Line is the event as one JSON line, {"event": …, "data": …}, the form
// headless --widget prints.
func (e Event) Line() []byte {
	b, _ := json.Marshal(struct {
		Event string          `json:"event"`
		Data  json.RawMessage `json:"data"`
	}{e.Name, e.Data})
	return append(b, '\n')
}

// Package deeplink is the app's custom-scheme return address
// (io.qexcompanion.app:/callback?state=…, RFC 8252 §7.1): a strict parser
// for the URLs the operating system hands the app, and a router that gives
// a link to the one flow waiting for it.
package deeplink

import (
	"net/url"
	"strings"
	"sync"

	"github.com/qexcompanion/qex-companion/flows/msg"
	"github.com/qexcompanion/qex-companion/internal/appid"
	"github.com/qexcompanion/qex-companion/internal/callback"
	"github.com/qexcompanion/qex-companion/internal/oneline"
)

// Scheme is the app's URL scheme: a reversed domain the app owns.
const Scheme = appid.ID

// CallbackPath is the one path a return link may have.
const CallbackPath = "/callback"

// MaxLength bounds a link; real ones are about 100 bytes.
const MaxLength = 2048

// ReturnURL is the deep link carrying state.
func ReturnURL(state callback.State) string {
	return Scheme + ":" + CallbackPath + "?" + url.Values{"state": {string(state)}}.Encode()
}

// LooksLikeLink reports whether a command-line argument is meant as one of
// our links (it may still be invalid).
func LooksLikeLink(arg string) bool {
	return strings.HasPrefix(strings.ToLower(arg), Scheme+":")
}

// Link is a parsed return link.
type Link struct {
	State  string
	Result callback.Result
}

// Parse accepts exactly io.qexcompanion.app:/callback?state=… (with
// error= and error_description= for a denial) and nothing else: no host,
// no other path, no fragment, no user info, no repeated parameters.
func Parse(raw string) (Link, error) {
	if len(raw) > MaxLength {
		return Link{}, msg.LinkTooLong.Err(msg.Args{"Size": len(raw), "Max": MaxLength})
	}
	u, err := url.Parse(raw)
	if err != nil {
		return Link{}, msg.LinkNotURL.Err(nil)
	}
	switch {
	case u.Scheme != Scheme:
		return Link{}, msg.LinkWrongScheme.Err(msg.Args{"Scheme": oneline.Clean(u.Scheme, 40), "Want": Scheme})
	case u.Opaque != "" || u.Host != "" || u.User != nil:
		return Link{}, msg.LinkHasHost.Err(msg.Args{"Want": Scheme + ":" + CallbackPath})
	case u.Path != CallbackPath || u.RawPath != "":
		return Link{}, msg.LinkWrongPath.Err(msg.Args{"Path": oneline.Clean(u.Path, 60), "Want": CallbackPath})
	case u.Fragment != "" || u.RawFragment != "":
		return Link{}, msg.LinkHasFragment.Err(nil)
	}
	q, err := url.ParseQuery(u.RawQuery)
	if err != nil {
		return Link{}, msg.LinkBadQuery.Err(nil)
	}
	for name, values := range q {
		if len(values) != 1 {
			return Link{}, msg.LinkRepeated.Err(msg.Args{"Name": oneline.Clean(name, 40)})
		}
	}
	state := q.Get("state")
	if state == "" {
		return Link{}, msg.LinkNoState.Err(nil)
	}
	return Link{State: state, Result: callback.ResultFrom(q)}, nil
}

// Router hands deep links to the flow waiting for one. The app has one.
type Router struct {
	mu      sync.Mutex
	pending *receiver
	idle    func(reason msg.Message) // hears of links that arrive with nothing waiting
}

// NewRouter returns a router; idle hears of every link that arrives while
// no flow waits (nil: ignore).
func NewRouter(idle func(reason msg.Message)) *Router {
	r := &Router{}
	r.SetIdle(idle)
	return r
}

// SetIdle replaces who hears of links that arrive with nothing waiting: the
// window or the terminal, once it exists.
func (r *Router) SetIdle(idle func(reason msg.Message)) {
	if idle == nil {
		idle = func(msg.Message) {}
	}
	r.mu.Lock()
	r.idle = idle
	r.mu.Unlock()
}

// Listen makes the return address of a new flow: its deep link, whose
// path is always CallbackPath (the one the system registers). It replaces
// any earlier pending flow's (a new flow supersedes the old).
func (r *Router) Listen(p callback.Pending) (callback.Receiver, error) {
	if p.Path != "" && p.Path != CallbackPath {
		return nil, msg.LinkOnlyCallback.Err(msg.Args{"Want": Scheme + ":" + CallbackPath, "Path": oneline.Clean(p.Path, 60)})
	}
	rejected := p.Rejected
	if rejected == nil {
		rejected = func(msg.Message) {}
	}
	rc := &receiver{router: r, state: p.State, results: make(chan callback.Result, 1), rejected: rejected}
	r.mu.Lock()
	r.pending = rc
	r.mu.Unlock()
	return rc, nil
}

// Deliver gives a link to the pending flow when it is ours and its state
// matches; anything else is reported and dropped, and the flow keeps
// waiting. It never blocks.
func (r *Router) Deliver(raw string) {
	r.mu.Lock()
	rc, idle := r.pending, r.idle
	r.mu.Unlock()
	link, err := Parse(raw)
	switch {
	case rc == nil && err != nil:
		idle(msg.LinkNotOurs.New(msg.Args{"Err": err}))
	case rc == nil:
		idle(msg.LinkNothingWait.New(nil))
	case err != nil:
		rc.rejected(msg.IgnoredLink.New(msg.Args{"Err": err}))
	default:
		rc.deliver(link)
	}
}

type receiver struct {
	router   *Router
	state    callback.State
	results  chan callback.Result
	rejected callback.Rejected

	mu   sync.Mutex
	used bool
}

func (rc *receiver) deliver(link Link) {
	rc.mu.Lock()
	match := !rc.used && rc.state.Matches(link.State)
	if match {
		rc.used = true
	}
	rc.mu.Unlock()
	if !match {
		rc.rejected(msg.IgnoredLinkState.New(nil))
		return
	}
	rc.results <- link.Result // buffered; only one gets here
}

func (rc *receiver) ReturnURL() string               { return ReturnURL(rc.state) }
func (rc *receiver) Results() <-chan callback.Result { return rc.results }

// Finish stops the waiting at once: the browser shows its own page when
// it hands the link over, so there is nothing left to answer.
func (rc *receiver) Finish() { rc.Close() }

// Close stops this flow's waiting; later links find nothing pending.
func (rc *receiver) Close() error {
	rc.router.mu.Lock()
	defer rc.router.mu.Unlock()
	if rc.router.pending == rc {
		rc.router.pending = nil
	}
	return nil
}

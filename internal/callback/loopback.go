package callback

import (
	"bytes"
	"context"
	"fmt"
	"html/template"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/qexcompanion/qex-companion/assets"
	"github.com/qexcompanion/qex-companion/flows/msg"
	"github.com/qexcompanion/qex-companion/internal/acceptlang"
	"github.com/qexcompanion/qex-companion/internal/oneline"
)

// LoopbackPath is the path the loopback receiver answers on by default.
const LoopbackPath = "/callback"

// The pages are rendered once, in English and Japanese (the browser's
// Accept-Language picks), the first time one is asked for: most runs of
// the app never answer a browser. They never reflect anything from the
// request, and load nothing from elsewhere, so nothing leaks through a
// Referer.
var (
	pageTemplate   = sync.OnceValue(func() *template.Template { return template.Must(template.ParseFS(assets.FS, "callback/page.html")) })
	pageApproved   = renderPage("✔", pageText{"You're connected", "You can close this tab and return to QEX Companion."}, pageText{"接続しました", "このタブを閉じて、QEX Companionに戻ってください。"})
	pageDenied     = renderPage("✖", pageText{"Request not approved", "Nothing was shared. Return to QEX Companion to try again."}, pageText{"リクエストは承認されませんでした", "何も共有されていません。もう一度試すにはQEX Companionに戻ってください。"})
	pageWrongState = renderPage("⚠", pageText{"This link is not for the current sign-in", "It may be old or opened twice. Return to QEX Companion and start again if it is still waiting."}, pageText{"このリンクは現在のサインインのものではありません", "古いリンクか、2回開かれた可能性があります。まだ待っている場合はQEX Companionに戻って最初からやり直してください。"})
	pageNotFound   = renderPage("⚠", pageText{"Not found", "There is nothing here."}, pageText{"見つかりません", "ここには何もありません。"})
	pageBadHost    = renderPage("⚠", pageText{"Wrong address", "Open the link QEX Companion gave you, unchanged."}, pageText{"アドレスが違います", "QEX Companionが示したリンクをそのまま開いてください。"})
	pageNotAllowed = renderPage("⚠", pageText{"Not allowed", "This address only accepts the browser's return from the sign-in page."}, pageText{"許可されていません", "このアドレスはサインインページからのブラウザーの戻りだけを受け付けます。"})
)

// pageText is a page's title and text in one language.
type pageText struct{ title, text string }

// page is one page in each language, by code, rendered when first asked for.
type page func() map[string][]byte

func renderPage(mark string, en, ja pageText) page {
	return sync.OnceValue(func() map[string][]byte {
		p := map[string][]byte{}
		for lang, t := range map[string]pageText{"en": en, "ja": ja} {
			var buf bytes.Buffer
			if err := pageTemplate().Execute(&buf, map[string]string{"Lang": lang, "Mark": mark, "Title": t.title, "Text": t.text}); err != nil {
				panic(err) // static data: only a build mistake gets here
			}
			p[lang] = buf.Bytes()
		}
		return p
	})
}

// Loopback is a one-shot HTTP receiver on a loopback port.
type Loopback struct {
	state    State
	path     string // the one path answered
	host     string // "127.0.0.1:PORT" or "[::1]:PORT", the only Host accepted
	srv      *http.Server
	results  chan Result
	rejected Rejected

	mu       sync.Mutex
	used     bool
	finished bool // the flow has its answer: a return gets its page, and nothing more

	closeOnce sync.Once
	closeErr  error
}

// ListenLoopback starts a receiver for p on 127.0.0.1 (or ::1 where IPv4
// loopback is missing) on a free port. Close it when the flow ends.
func ListenLoopback(p Pending) (*Loopback, error) {
	path, rejected := p.Path, p.Rejected
	if path == "" {
		path = LoopbackPath
	}
	if !strings.HasPrefix(path, "/") || strings.ContainsAny(path, "?#") {
		return nil, fmt.Errorf("callback path %q must start with / and hold no query", path)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		var err6 error
		if ln, err6 = net.Listen("tcp", "[::1]:0"); err6 != nil {
			return nil, fmt.Errorf("cannot listen on a loopback address (127.0.0.1 or ::1): %v", err)
		}
	}
	if rejected == nil {
		rejected = func(msg.Message) {}
	}
	l := &Loopback{
		state:    p.State,
		path:     path,
		host:     ln.Addr().String(),
		results:  make(chan Result, 1),
		rejected: rejected,
	}
	l.srv = &http.Server{
		Handler:           l,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       10 * time.Second,
		WriteTimeout:      10 * time.Second,
		MaxHeaderBytes:    16 << 10,
	}
	go l.srv.Serve(ln) //nolint:errcheck // Serve returns ErrServerClosed after Close.
	return l, nil
}

// ReturnURL is http://127.0.0.1:PORT/callback?state=STATE (or its path).
func (l *Loopback) ReturnURL() string {
	return (&url.URL{Scheme: "http", Host: l.host, Path: l.path, RawQuery: url.Values{"state": {string(l.state)}}.Encode()}).String()
}

// Results delivers the one return whose state matches.
func (l *Loopback) Results() <-chan Result { return l.results }

// closeWait bounds how long Close lets open requests finish.
const closeWait = 2 * time.Second

// Finish keeps answering the return page until Close,
// for a flow whose approval was noticed by polling: the browser may still
// be on its way back, and must get "You're connected", not "This site can't
// be reached". A return arriving now delivers nothing: its state is still
// checked, and its code goes nowhere.
func (l *Loopback) Finish() {
	l.mu.Lock()
	l.finished = true
	l.mu.Unlock()
}

// Close stops the listener; a request being answered gets its page first
// (the flow closes the moment it has the answer, which is before the page
// telling the browser so has been written), then connections are dropped.
func (l *Loopback) Close() error {
	l.closeOnce.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), closeWait)
		defer cancel()
		if err := l.srv.Shutdown(ctx); err != nil {
			l.closeErr = l.srv.Close()
		}
	})
	return l.closeErr
}

func (l *Loopback) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Cache-Control", "no-store")
	switch {
	case r.URL.Path == "/favicon.ico":
		// Browsers ask for it on their own; not worth a warning.
		reply(w, r, http.StatusNotFound, pageNotFound)
	case r.URL.Path != l.path:
		l.rejected(msg.IgnoredPath.New(msg.Args{"Path": clip80(r.URL.Path), "Want": l.path}))
		reply(w, r, http.StatusNotFound, pageNotFound)
	case r.Method != http.MethodGet:
		l.rejected(msg.IgnoredMethod.New(msg.Args{"Method": clip80(r.Method)}))
		h.Set("Allow", http.MethodGet)
		reply(w, r, http.StatusMethodNotAllowed, pageNotAllowed)
	case r.Host != l.host:
		// A page on another name resolving here (DNS rebinding) is not the
		// browser's return from the approval page.
		l.rejected(msg.IgnoredHost.New(msg.Args{"Host": clip80(r.Host), "Want": l.host}))
		reply(w, r, http.StatusBadRequest, pageBadHost)
	default:
		l.receive(w, r)
	}
}

func (l *Loopback) receive(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	l.mu.Lock()
	match := !l.used && l.state.Matches(q.Get("state"))
	if match {
		l.used = true
	}
	finished := l.finished
	l.mu.Unlock()
	if !match {
		l.rejected(msg.IgnoredState.New(nil))
		reply(w, r, http.StatusBadRequest, pageWrongState)
		return
	}
	res := ResultFrom(q)
	if !finished {
		l.results <- res // buffered, and only one request gets here
	}
	if res.Error != "" {
		reply(w, r, http.StatusOK, pageDenied)
		return
	}
	reply(w, r, http.StatusOK, pageApproved)
}

// clip80 keeps text chosen by whoever sent the request short in a report.
func clip80(s string) string { return oneline.Clean(s, 80) }

// reply answers with p in the language the browser asks for.
func reply(w http.ResponseWriter, r *http.Request, status int, p page) {
	w.Header().Set("Content-Language", acceptlang.Preferred(r))
	w.WriteHeader(status)
	w.Write(p()[acceptlang.Preferred(r)]) //nolint:errcheck // the browser went away
}

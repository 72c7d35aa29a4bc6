// Package webpage is what the emulators' pages for people share: the
// sandbox's style, the headers that keep a consent page safe, the bound on
// its form, and the OAuth redirect-URI rules (RFC 6749, RFC 8252).
package webpage

import (
	"html/template"
	"net"
	"net/http"
	"net/url"

	"github.com/qexcompanion/qex-companion/assets"
)

// MaxForm bounds every form body an emulator reads.
const MaxForm = 16 << 10

// CSS is the sandbox's style, inlined in every page.
var CSS = template.CSS(mustRead("sandbox/style.css"))

func mustRead(name string) string {
	b, err := assets.FS.ReadFile(name)
	if err != nil {
		panic(err) // embedded at build time: only a build mistake gets here
	}
	return string(b)
}

// Headers keeps a page out of frames and from loading anything but its
// inline styles. Its form may post only to this origin and, when not
// empty, to formTarget: where the answer redirects (browsers apply
// form-action to the redirect too).
func Headers(w http.ResponseWriter, formTarget string) {
	formAction := "form-action 'self'"
	if formTarget != "" {
		formAction += " " + formTarget
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; "+formAction+"; frame-ancestors 'none'; base-uri 'none'")
	h.Set("X-Frame-Options", "DENY")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Cache-Control", "no-store")
}

// Registered reports whether uri is one of redirectURIs; a loopback one
// matches on any port (RFC 8252 §7.3).
func Registered(redirectURIs []string, uri string) bool {
	u, err := url.Parse(uri)
	if err != nil || uri == "" || u.Fragment != "" || u.RawQuery != "" {
		return false
	}
	for _, r := range redirectURIs {
		if r == uri {
			return true
		}
		reg, err := url.Parse(r)
		if err == nil && u.Scheme == "http" && reg.Scheme == "http" && u.Hostname() == reg.Hostname() &&
			net.ParseIP(u.Hostname()).IsLoopback() && reg.Port() == "" && u.Path == reg.Path {
			return true
		}
	}
	return false
}

// FormSource is what a CSP form-action must allow for the redirect to a
// registered uri.
func FormSource(uri string) string {
	u, _ := url.Parse(uri) // Registered already parsed it
	if u.Host == "" {
		return u.Scheme + ":"
	}
	return u.Scheme + "://" + u.Host
}

// WithParams is a registered redirect URI with the answer's parameters.
func WithParams(uri string, params url.Values) string {
	u, _ := url.Parse(uri)
	u.RawQuery = params.Encode()
	return u.String()
}

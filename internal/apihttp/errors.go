package apihttp

import (
	"context"
	"crypto/x509"
	"errors"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/qexcompanion/qex-companion/flows/msg"
)

// MaxRedirects bounds the redirects one call follows.
const MaxRedirects = 5

// ErrRedirectLoop is the transport error of a call that kept being
// redirected.
var ErrRedirectLoop error = msg.RedirectLoop.Err(nil)

// RedirectedAwayError is the transport error of a call that its server
// redirected to another server, or from https to plain http.
type RedirectedAwayError struct {
	Target string // the scheme and host it was sent to
}

func (e *RedirectedAwayError) Error() string { return "redirected to " + e.Target }

// CheckRedirect is the redirect policy of every HTTP client that talks to a
// provider: a few redirects on the same server (or from http to https on
// the same host), then ErrRedirectLoop; a redirect to another server or
// down to plain http is not followed (a *RedirectedAwayError): the call
// carries credentials (a JWT in a header Go does not strip, a client
// secret in a body a 307 sends again) meant for the server asked, and the
// failure then names the redirect, not whatever the other server says.
// TransportError turns both into sentences.
func CheckRedirect(req *http.Request, via []*http.Request) error {
	from, to := via[0].URL, req.URL
	sameServer := from.Scheme == to.Scheme && from.Host == to.Host
	upgrade := from.Scheme == "http" && to.Scheme == "https" && from.Hostname() == to.Hostname()
	if !sameServer && !upgrade {
		return &RedirectedAwayError{Target: to.Scheme + "://" + to.Host}
	}
	if len(via) >= MaxRedirects {
		return ErrRedirectLoop
	}
	return nil
}

// MaxRetryAfter caps a server's Retry-After, so a hostile value cannot
// park the app.
const MaxRetryAfter = time.Minute

// RetryAfter reads a Retry-After header, in seconds or as an HTTP date,
// capped at MaxRetryAfter; zero when absent or unreadable.
func RetryAfter(header string, now time.Time) time.Duration {
	header = strings.TrimSpace(header)
	if header == "" {
		return 0
	}
	var d time.Duration
	if secs, err := strconv.ParseUint(header, 10, 32); err == nil {
		d = time.Duration(secs) * time.Second
	} else if at, err := http.ParseTime(header); err == nil {
		d = at.Sub(now)
	}
	return min(max(d, 0), MaxRetryAfter)
}

// Endpoint is a server a call goes to: its base URL, and the setting that
// chose it, which a failure to reach it tells people to check.
type Endpoint struct {
	Base    *url.URL
	Setting msg.Kind // e.g. msg.SettingAPIBase, msg.SettingBroker
}

// API is the provider's API at base, chosen by the API base URL.
func API(base *url.URL) Endpoint { return Endpoint{Base: base, Setting: msg.SettingAPIBase} }

// TransportError says, as one line for people, why call got no answer
// from the server at to: ctx ended, a redirect loop, a timeout, a name
// that does not resolve, nothing listening, an untrusted certificate; what
// to check is to's setting.
func TransportError(ctx context.Context, call string, to Endpoint, err error) error {
	what, base := msg.Call(call), to.Base
	if ctxErr := ctx.Err(); ctxErr != nil {
		if errors.Is(ctxErr, context.DeadlineExceeded) {
			return msg.CallTimedOut.Err(msg.Args{"Call": what, "Host": base.Host}, ctxErr)
		}
		return msg.CallCancelled.Err(msg.Args{"Call": what}, ctxErr)
	}
	var (
		away    *RedirectedAwayError
		netErr  net.Error
		dnsErr  *net.DNSError
		certErr *x509.UnknownAuthorityError
		hostErr x509.HostnameError
	)
	switch {
	case errors.Is(err, ErrRedirectLoop):
		return msg.CallRedirectLoop.Err(msg.Args{"Call": what, "Host": base.Host, "Max": MaxRedirects, "Setting": to.Setting}, err)
	case errors.As(err, &away):
		return msg.CallRedirectedAway.Err(msg.Args{"Call": what, "Host": base.Host, "Target": away.Target, "Setting": to.Setting}, err)
	case errors.As(err, &netErr) && netErr.Timeout():
		return msg.CallTimedOut.Err(msg.Args{"Call": what, "Host": base.Host}, err)
	case errors.As(err, &dnsErr):
		return msg.CallNoSuchHost.Err(msg.Args{"Call": what, "Host": base.Hostname(), "Setting": to.Setting}, err)
	case errors.Is(err, syscall.ECONNREFUSED):
		return msg.CallRefused.Err(msg.Args{"Call": what, "Host": base.Host, "Setting": to.Setting}, err)
	case errors.As(err, &certErr), errors.As(err, &hostErr):
		return msg.CallUntrusted.Err(msg.Args{"Call": what, "Host": base.Host, "Setting": to.Setting}, err)
	}
	cause := err
	var urlErr *url.Error
	if errors.As(err, &urlErr) {
		cause = urlErr.Err
	}
	return msg.CallUnreachable.Err(msg.Args{"Call": what, "URL": base.String(), "Err": cause, "Setting": to.Setting}, err)
}

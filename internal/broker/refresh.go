package broker

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
)

// A refresh (docs/broker.md) holds no lock and no transaction while
// EXchange answers:
//  1. claim the grant's lease: one conditional UPDATE, which succeeds only
//     if no live lease holds the grant and no refresh was committed since
//     the request read it;
//  2. ask EXchange, outside any transaction;
//  3. write the new tokens on the condition that the lease is still held.
// A request that finds the lease held waits for it to end: the holder's
// fresh token is then its answer. In one process, refreshes of one grant
// share a single attempt (flights), so only one of them polls the store.

// flights are this process's refreshes under way, by grant id.
type flights struct {
	mu sync.Mutex
	by map[string]*flight
}

// flight is one refresh attempt that others in this process wait for.
type flight struct {
	done   chan struct{}
	result refreshed
	err    error
}

// refreshed is a refresh's answer and the generation it belongs to.
type refreshed struct {
	tokens     tokens
	generation int64
}

// lead runs run, which holds the grant's lease, as the flight others in
// this process join (unless one is already registered for id).
func (f *flights) lead(id string, run func() (refreshed, error)) (refreshed, error) {
	f.mu.Lock()
	if f.by == nil {
		f.by = map[string]*flight{}
	}
	fl, registered := &flight{done: make(chan struct{})}, false
	if _, ok := f.by[id]; !ok {
		f.by[id], registered = fl, true
	}
	f.mu.Unlock()
	fl.result, fl.err = run()
	if registered {
		f.mu.Lock()
		delete(f.by, id)
		f.mu.Unlock()
	}
	close(fl.done)
	return fl.result, fl.err
}

// join returns the flight under way for id or starts one with run; ran
// says which.
func (f *flights) join(id string, run func() (refreshed, error)) (res refreshed, ran bool, err error) {
	f.mu.Lock()
	if f.by == nil {
		f.by = map[string]*flight{}
	}
	if fl, ok := f.by[id]; ok {
		f.mu.Unlock()
		<-fl.done
		return fl.result, false, fl.err
	}
	fl := &flight{done: make(chan struct{})}
	f.by[id] = fl
	f.mu.Unlock()
	fl.result, fl.err = run()
	f.mu.Lock()
	delete(f.by, id)
	f.mu.Unlock()
	close(fl.done)
	return fl.result, true, fl.err
}

var errLost = &apiError{Status: http.StatusUnauthorized, Code: "invalid_grant",
	Message: "EXchange no longer accepts this grant's refresh token (a refresh was interrupted before it was stored); sign in again"}

// errRefreshRefused: EXchange refused the grant's refresh token (it was
// revoked or expired), so the grant can never be renewed again.
var errRefreshRefused = &apiError{Status: http.StatusUnauthorized, Code: "invalid_grant",
	Message: "EXchange refused the grant's refresh token (invalid_grant); sign in again"}

func (s *Server) refresh(r *http.Request, body []byte) (any, error) {
	arrivedAt := s.now()
	if entry, ok := r.Context().Value(accessKey{}).(*accessEntry); ok {
		arrivedAt = entry.began
	}
	s.arrived()
	owner, now := randomToken(12), s.now()
	g, held, err := s.authorize(r, body, &Lease{Owner: owner, Arrived: arrivedAt, Now: now, Until: now.Add(s.lease)})
	if err != nil {
		return nil, err
	}
	// The refresh goes on if the client hangs up: once EXchange is asked,
	// its answer must be stored.
	ctx := context.WithoutCancel(r.Context())
	if held {
		res, err := s.flights.lead(g.ID, func() (refreshed, error) { return s.exchangeRefresh(ctx, g, owner) })
		if err != nil {
			return nil, s.grantError(err)
		}
		return answer(res.tokens), nil
	}
	if g.RefreshedAt.After(arrivedAt) {
		// A refresh committed since this one arrived (in any process): its
		// user token is this one's answer too.
		return s.storedAnswer(g)
	}
	for {
		res, ran, err := s.flights.join(g.ID, func() (refreshed, error) { return s.refreshGrant(ctx, g.ID, g.Generation) })
		if err != nil {
			return nil, s.grantError(err)
		}
		// A flight this request joined late may answer a token older than
		// the one it read: then it refreshes on its own.
		if res.generation > g.Generation {
			if !ran {
				s.observe.Refreshed("shared")
			}
			return answer(res.tokens), nil
		}
	}
}

// refreshGrant refreshes the grant unless a refresh was committed since
// generation seen, in which case the stored user token answers.
func (s *Server) refreshGrant(ctx context.Context, id string, seen int64) (refreshed, error) {
	owner := randomToken(12)
	giveUp := s.now().Add(2 * s.lease)
	wait := 2 * time.Millisecond
	for {
		now := s.now()
		g, held, err := s.store.Claim(ctx, id, Lease{Owner: owner, Seen: seen, Now: now, Until: now.Add(s.lease)})
		switch {
		case err != nil:
			s.observe.Refreshed("failed")
			return refreshed{}, err
		case held:
			return s.exchangeRefresh(ctx, g, owner)
		case g.Generation > seen:
			return s.stored(g)
		case now.After(giveUp):
			s.observe.Refreshed("failed")
			return refreshed{}, &apiError{Status: http.StatusServiceUnavailable, Code: "internal", Message: "another refresh of this grant did not finish; try again later"}
		}
		// Another process holds the lease: it answers within its lease.
		select {
		case <-time.After(wait):
		case <-ctx.Done():
			return refreshed{}, ctx.Err()
		}
		wait = min(2*wait, 25*time.Millisecond)
	}
}

// stored answers the grant's stored user token.
func (s *Server) stored(g Grant) (refreshed, error) {
	userToken, _, err := s.sealer.open(g.UserTokenSealed, "user", g.ID)
	if err != nil {
		s.observe.Refreshed("failed")
		return refreshed{}, err
	}
	s.observe.Refreshed("shared")
	return refreshed{tokens{userToken: userToken, expiresAt: g.ExpiresAt}, g.Generation}, nil
}

func (s *Server) storedAnswer(g Grant) (any, error) {
	res, err := s.stored(g)
	if err != nil {
		return nil, err
	}
	return answer(res.tokens), nil
}

// exchangeRefresh asks EXchange with the lease held and stores the answer.
func (s *Server) exchangeRefresh(ctx context.Context, g Grant, owner string) (refreshed, error) {
	refreshToken, _, err := s.sealer.open(g.RefreshSealed, "refresh", g.ID)
	if err != nil {
		s.store.Release(ctx, g.ID, owner, false)
		s.observe.Refreshed("failed")
		return refreshed{}, err
	}
	fresh, err := s.exchange.token(ctx, "the refresh", url.Values{"grant_type": {"refresh_token"}, "refresh_token": {refreshToken}})
	if err != nil {
		var api *apiError
		errors.As(err, &api)
		if api != nil && api.exchangeCode == "invalid_grant" && g.Doubt > 0 {
			// The refresh token was sent before without the answer being
			// stored, and EXchange rotated it then: the grant is lost.
			s.log.Warn("a grant's refresh token was rotated by a refresh whose answer was never stored: the grant is forgotten", "grant", g.ID)
			s.store.Delete(ctx, g.ID)
			s.observe.Refreshed("lost")
			return refreshed{}, errLost
		}
		if relErr := s.store.Release(ctx, g.ID, owner, api != nil && api.unanswered); relErr != nil {
			s.log.Error("releasing a refresh lease", "grant", g.ID, "err", relErr.Error())
		}
		s.observe.Refreshed("refused")
		if api != nil && api.exchangeCode == "invalid_grant" {
			return refreshed{}, errRefreshRefused // the grant can never be renewed: the app must sign in again
		}
		return refreshed{}, err
	}
	if fresh.refreshToken == "" { // not rotated: sealed again, under the current key
		fresh.refreshToken = refreshToken
	}
	g.RefreshSealed = s.sealer.seal(fresh.refreshToken, "refresh", g.ID)
	g.UserTokenSealed = s.sealer.seal(fresh.userToken, "user", g.ID)
	g.ExpiresAt, g.RefreshedAt, g.Generation = fresh.expiresAt, s.now(), g.Generation+1
	if err := s.store.Commit(ctx, g, owner); err != nil {
		s.observe.Refreshed("failed")
		if errors.Is(err, ErrLeaseLost) {
			if _, getErr := s.store.Get(ctx, g.ID); errors.Is(getErr, ErrNoGrant) {
				// Revoked while EXchange answered: revoke what it gave.
				s.revokeAtExchange(ctx, g.ID, fresh.refreshToken)
				return refreshed{}, ErrNoGrant
			}
		}
		return refreshed{}, fmt.Errorf("storing a refresh: %w", err)
	}
	s.observe.Refreshed("exchange")
	return refreshed{fresh, g.Generation}, nil
}

// addressLimiter counts requests per client address in fixed windows, in
// this process's memory; a window's table is bounded.
type addressLimiter struct {
	limit  int
	mu     sync.Mutex
	window int64
	counts map[string]int
}

// maxAddresses bounds the table: beyond it, new addresses share one count.
const maxAddresses = 100_000

func newAddressLimiter(limit int) *addressLimiter {
	return &addressLimiter{limit: limit, counts: map[string]int{}}
}

// count counts one request from addr at now and says whether it is over.
func (l *addressLimiter) count(addr string, now time.Time) (over bool, retry time.Duration) {
	window := now.Unix() / int64(RateWindow/time.Second)
	l.mu.Lock()
	defer l.mu.Unlock()
	if window != l.window {
		l.window, l.counts = window, map[string]int{}
	}
	if _, ok := l.counts[addr]; !ok && len(l.counts) >= maxAddresses {
		addr = "overflow"
	}
	l.counts[addr]++
	return l.counts[addr] > l.limit, time.Unix((window+1)*int64(RateWindow/time.Second), 0).Sub(now)
}

// clientAddress is the request's client: the connection's host, or the
// last value of the trusted proxy's header.
func (s *Server) clientAddress(r *http.Request) string {
	if s.ipHeader != "" {
		if values := r.Header.Values(s.ipHeader); len(values) > 0 {
			last := values[len(values)-1]
			for i := len(last) - 1; i >= 0; i-- {
				if last[i] == ',' {
					last = last[i+1:]
					break
				}
			}
			return strings.TrimSpace(last)
		}
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// countAddress counts r against its address: a 429 when over the limit.
func (s *Server) countAddress(r *http.Request) error {
	over, retry := s.addresses.count(s.clientAddress(r), s.now())
	if !over {
		return nil
	}
	return &apiError{Status: http.StatusTooManyRequests, Code: "rate_limited", RetryAfter: retry,
		Message: fmt.Sprintf("more than %d requests from this address in %s; try again later", s.addresses.limit, RateWindow)}
}

// limitAddress counts every call to handle against the client's address.
func (s *Server) limitAddress(handle func(r *http.Request, body []byte) (any, error)) func(r *http.Request, body []byte) (any, error) {
	return func(r *http.Request, body []byte) (any, error) {
		if err := s.countAddress(r); err != nil {
			return nil, err
		}
		return handle(r, body)
	}
}

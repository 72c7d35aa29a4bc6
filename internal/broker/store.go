package broker

import (
	"context"
	"errors"
	"time"
)

// Grant is one user's authorization as the store keeps it: never a secret
// in clear.
type Grant struct {
	ID              string
	SecretHash      []byte // SHA-256 of the grant secret
	RefreshSealed   []byte // EXchange's refresh token, sealed
	UserTokenSealed []byte // the last user token, sealed: what a concurrent refresh answers
	ExpiresAt       time.Time
	RefreshedAt     time.Time
	// Generation counts the committed refreshes: a refresh that read an
	// older generation answers the stored user token instead of asking
	// EXchange again.
	Generation int64
	// Doubt counts the times RefreshSealed was sent to EXchange without
	// the broker learning the answer (it died, or EXchange did not answer
	// in time): EXchange may have rotated it already (docs/broker.md).
	Doubt int
}

// Lease is a claim on a grant's refresh: while it lasts, only its owner
// asks EXchange for that grant, and nothing is locked meanwhile.
type Lease struct {
	Owner string // random, per attempt
	Seen  int64  // Claim: the generation the refresh read; claim only if it is still current
	// CountRequest: claim only if no refresh was committed after Arrived.
	Arrived time.Time
	Now     time.Time // a lease that ended before Now is free (its holder died or stalled)
	Until   time.Time
}

var (
	// ErrNoGrant: no grant has that id (never issued, or revoked).
	ErrNoGrant = errors.New("no such grant")
	// ErrLeaseLost: the refresh's lease ended, or its grant was revoked,
	// before the refresh was written.
	ErrLeaseLost = errors.New("the refresh lease was lost before the refresh was stored")
)

// Store keeps the grants. It holds no state in memory that another broker
// process on the same database would need, and no statement of it waits
// on EXchange: each is short, in its own transaction.
type Store interface {
	Create(ctx context.Context, g Grant) error
	Get(ctx context.Context, id string) (Grant, error)
	// Claim takes the grant's refresh lease for l.Owner if no other
	// unexpired lease holds it and its generation is still l.Seen, and
	// returns the grant as it is then (taken over from a holder whose
	// lease ended, Doubt is one more) and whether l.Owner holds it.
	Claim(ctx context.Context, id string, l Lease) (g Grant, held bool, err error)
	// Commit writes a refreshed grant (tokens, expiry, times, generation,
	// Doubt back to zero) and ends its lease, if owner still holds it;
	// ErrLeaseLost otherwise.
	Commit(ctx context.Context, g Grant, owner string) error
	// Release ends owner's lease without a refresh; unsure says the refresh
	// token was sent and no answer came (Doubt is one more).
	Release(ctx context.Context, id, owner string, unsure bool) error
	// Reseal replaces the sealed values of a grant no lease holds, if its
	// refresh token is still was (rekey).
	Reseal(ctx context.Context, id string, was, refreshSealed, userTokenSealed []byte) (bool, error)
	Delete(ctx context.Context, id string) error
	// CountRequest counts a request on the grant in the rate window, if
	// secretHash is the grant's, and returns the grant and the window's
	// count so far; ErrNoGrant if there is no such grant or the hash
	// differs (the request proved nothing, so it spends nothing). With
	// claim, in the same statement, it claims the lease as Claim does if
	// the count is within limit, no live lease holds the grant and no
	// refresh was committed after claim.Arrived: a refresh's first step
	// is one statement.
	CountRequest(ctx context.Context, id string, secretHash []byte, window int64, limit int, claim *Lease) (g Grant, count int, held bool, err error)
	// IDs lists every grant (rekey); Count counts them (metrics).
	IDs(ctx context.Context) ([]string, error)
	Count(ctx context.Context) (int, error)
	Ping(ctx context.Context) error
	Close() error
}

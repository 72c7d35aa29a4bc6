package broker

import (
	"context"
	"crypto/subtle"
	"slices"
	"sync"
	"time"
)

// MemoryStore is a Store in this process's memory, for a broker that is
// the only one on its grants (the embedded sandbox's). Its save hook lets
// the owner keep the grants across restarts; a restart ends every lease.
type MemoryStore struct {
	mu     sync.Mutex
	grants map[string]*memoryGrant
	save   func([]Grant)
}

type memoryGrant struct {
	Grant
	leaseOwner string
	leaseUntil time.Time
	rateWindow int64
	rateCount  int
}

// NewMemoryStore holds saved, and calls save (if not nil) with every grant
// after each change, under its lock so saves land in order.
func NewMemoryStore(saved []Grant, save func([]Grant)) *MemoryStore {
	m := &MemoryStore{grants: map[string]*memoryGrant{}, save: save}
	for _, g := range saved {
		m.grants[g.ID] = &memoryGrant{Grant: g}
	}
	return m
}

// changedLocked saves; the caller holds m.mu.
func (m *MemoryStore) changedLocked() {
	if m.save == nil {
		return
	}
	all := make([]Grant, 0, len(m.grants))
	for _, g := range m.grants {
		all = append(all, g.Grant)
	}
	slices.SortFunc(all, func(a, b Grant) int { return a.RefreshedAt.Compare(b.RefreshedAt) })
	m.save(all)
}

func (m *MemoryStore) Create(_ context.Context, g Grant) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.grants[g.ID] = &memoryGrant{Grant: g}
	m.changedLocked()
	return nil
}

func (m *MemoryStore) Get(_ context.Context, id string) (Grant, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	g, ok := m.grants[id]
	if !ok {
		return Grant{}, ErrNoGrant
	}
	return g.Grant, nil
}

func (m *MemoryStore) Claim(_ context.Context, id string, l Lease) (Grant, bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	g, ok := m.grants[id]
	if !ok {
		return Grant{}, false, ErrNoGrant
	}
	if g.Generation != l.Seen || !g.leaseUntil.Before(l.Now) {
		return g.Grant, false, nil
	}
	if g.leaseOwner != "" {
		g.Doubt++
	}
	g.leaseOwner, g.leaseUntil = l.Owner, l.Until
	return g.Grant, true, nil
}

func (m *MemoryStore) Commit(_ context.Context, fresh Grant, owner string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	g, ok := m.grants[fresh.ID]
	if !ok || g.leaseOwner != owner {
		return ErrLeaseLost
	}
	g.RefreshSealed, g.UserTokenSealed, g.ExpiresAt, g.RefreshedAt = fresh.RefreshSealed, fresh.UserTokenSealed, fresh.ExpiresAt, fresh.RefreshedAt
	g.Generation, g.Doubt, g.leaseOwner, g.leaseUntil = fresh.Generation, 0, "", time.Time{}
	m.changedLocked()
	return nil
}

func (m *MemoryStore) Release(_ context.Context, id, owner string, unsure bool) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if g, ok := m.grants[id]; ok && g.leaseOwner == owner {
		g.leaseOwner, g.leaseUntil = "", time.Time{}
		if unsure {
			g.Doubt++
			m.changedLocked()
		}
	}
	return nil
}

func (m *MemoryStore) Reseal(_ context.Context, id string, was, refreshSealed, userTokenSealed []byte) (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	g, ok := m.grants[id]
	if !ok || g.leaseOwner != "" || string(g.RefreshSealed) != string(was) {
		return false, nil
	}
	g.RefreshSealed, g.UserTokenSealed = refreshSealed, userTokenSealed
	m.changedLocked()
	return true, nil
}

func (m *MemoryStore) Delete(_ context.Context, id string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.grants[id]; !ok {
		return ErrNoGrant
	}
	delete(m.grants, id)
	m.changedLocked()
	return nil
}

func (m *MemoryStore) CountRequest(_ context.Context, id string, secretHash []byte, window int64, limit int, claim *Lease) (Grant, int, bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	g, ok := m.grants[id]
	if !ok || subtle.ConstantTimeCompare(g.SecretHash, secretHash) != 1 {
		return Grant{}, 0, false, ErrNoGrant
	}
	if g.rateWindow != window {
		g.rateWindow, g.rateCount = window, 0
	}
	g.rateCount++
	held := claim != nil && g.rateCount <= limit && g.leaseUntil.Before(claim.Now) && !g.RefreshedAt.After(claim.Arrived)
	if held {
		if g.leaseOwner != "" {
			g.Doubt++
		}
		g.leaseOwner, g.leaseUntil = claim.Owner, claim.Until
	}
	return g.Grant, g.rateCount, held, nil
}

func (m *MemoryStore) IDs(context.Context) ([]string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	ids := make([]string, 0, len(m.grants))
	for id := range m.grants {
		ids = append(ids, id)
	}
	return ids, nil
}

func (m *MemoryStore) Count(context.Context) (int, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.grants), nil
}

func (m *MemoryStore) Ping(context.Context) error { return nil }

func (m *MemoryStore) Close() error { return nil }

package broker

import (
	"context"
	"fmt"
)

// Rekey seals again under key every grant sealed under one of oldKeys, so
// the old keys can be dropped; it returns how many it sealed again. A
// grant being refreshed meanwhile is sealed under key by that refresh.
func Rekey(ctx context.Context, store Store, key []byte, oldKeys [][]byte) (int, error) {
	seal, err := newSealer(key, oldKeys...)
	if err != nil {
		return 0, err
	}
	ids, err := store.IDs(ctx)
	if err != nil {
		return 0, err
	}
	resealed := 0
	for _, id := range ids {
		g, err := store.Get(ctx, id)
		if err != nil {
			continue // revoked meanwhile
		}
		refreshToken, refreshCurrent, err := seal.open(g.RefreshSealed, "refresh", id)
		if err != nil {
			return resealed, fmt.Errorf("grant %s: %w", id, err)
		}
		userToken, userCurrent, err := seal.open(g.UserTokenSealed, "user", id)
		if err != nil {
			return resealed, fmt.Errorf("grant %s: %w", id, err)
		}
		if refreshCurrent && userCurrent {
			continue
		}
		done, err := store.Reseal(ctx, id, g.RefreshSealed, seal.seal(refreshToken, "refresh", id), seal.seal(userToken, "user", id))
		if err != nil {
			return resealed, err
		}
		if done {
			resealed++
		}
	}
	return resealed, nil
}

//go:build !(linux || freebsd || openbsd || netbsd || dragonfly)

package keychain

// noSessionBus: the other systems' keychains do not go through D-Bus.
func sessionBusMissing() error { return nil }

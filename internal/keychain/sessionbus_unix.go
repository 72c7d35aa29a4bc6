//go:build linux || freebsd || openbsd || netbsd || dragonfly

package keychain

import (
	"os"
	"path/filepath"
	"strconv"

	"github.com/qexcompanion/qex-companion/flows/msg"
)

// sessionBusMissing is an UnavailableError when no D-Bus session is there to
// ask for the Secret Service, nil when one is. Without one, the D-Bus library
// would run dbus-launch, leaving a dbus-daemon and a gnome-keyring-daemon
// behind after every run (SSH, CI, containers). It looks where that library
// looks before it autolaunches: the environment, then the per-user socket and
// address file under /run/user/UID.
func sessionBusMissing() error {
	if addr := os.Getenv("DBUS_SESSION_BUS_ADDRESS"); addr != "" && addr != "autolaunch:" {
		return nil
	}
	runDir := filepath.Join("/run/user", strconv.Itoa(os.Getuid()))
	for _, name := range []string{"bus", "dbus-session"} {
		if _, err := os.Stat(filepath.Join(runDir, name)); err == nil {
			return nil
		}
	}
	return &UnavailableError{Reason: msg.KeychainNoSession.New(nil)}
}

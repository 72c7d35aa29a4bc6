//go:build !linux && !freebsd && !openbsd && !netbsd && !dragonfly && !windows

package register

import "errors"

// registerAtFirstRun: see AtFirstRun.
const registerAtFirstRun = false

// On macOS (and phones) the packaged app declares the scheme itself: see
// packaging/macos and AndroidManifest.xml.
var errBundle = errors.New("on this system the packaged app registers " + Scheme + " links itself (Info.plist on macOS, AndroidManifest.xml on Android); see the README")

func register(string) error { return errBundle }
func unregister() error     { return errBundle }
func check(string) Status {
	return Status{Registered: true, Detail: "The packaged app declares " + Scheme + " links"}
}

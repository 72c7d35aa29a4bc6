//go:build !linux && !freebsd && !openbsd && !netbsd && !dragonfly && !windows

package register

import "github.com/qexcompanion/qex-companion/flows/msg"

// registerAtFirstRun: see AtFirstRun.
const registerAtFirstRun = false

// On macOS (and phones) the packaged app declares the scheme itself: see
// packaging/macos and AndroidManifest.xml.
var errBundle = msg.RegisterByPackage.Err(msg.Args{"Scheme": Scheme})

func register(string) error { return errBundle }
func unregister() error     { return errBundle }
func check(string) Status {
	return Status{Registered: true, Detail: msg.RegisterDeclared.New(msg.Args{"Scheme": Scheme})}
}

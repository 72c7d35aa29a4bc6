// Package register tells the operating system that io.qexcompanion.app
// links open in this app: a .desktop entry and xdg-mime on Linux, the
// user's registry classes on Windows. macOS and Android register through
// the packaged app (Info.plist, AndroidManifest.xml) instead.
package register

import (
	"os"
	"path/filepath"
	"strings"

	"github.com/qexcompanion/qex-companion/flows/msg"
	"github.com/qexcompanion/qex-companion/internal/appid"
)

// Scheme is the URL scheme registered.
const Scheme = appid.ID

// Status says whether links open in this app.
type Status struct {
	Registered bool
	// Detail says where, or what is wrong, in one line.
	Detail msg.Message
}

// ErrTemporaryBinary refuses to register a binary that `go run` built in a
// temporary folder: the registration would point at nothing tomorrow.
var ErrTemporaryBinary error = msg.RegisterTemporaryBinary.Err(nil)

// Executable is the running binary's resolved path.
func Executable() (string, error) {
	exe, err := os.Executable()
	if err != nil {
		return "", err
	}
	if resolved, err := filepath.EvalSymlinks(exe); err == nil {
		exe = resolved
	}
	return exe, nil
}

func checkExecutable(exe string) error {
	if strings.Contains(filepath.ToSlash(exe), "/go-build") {
		return ErrTemporaryBinary
	}
	return nil
}

// Register makes links open with exe.
func Register(exe string) error {
	if err := checkExecutable(exe); err != nil {
		return err
	}
	return register(exe)
}

// Unregister removes what Register added.
func Unregister() error { return unregister() }

// Check reports whether links open with exe.
func Check(exe string) Status { return check(exe) }

// AtFirstRun registers exe when nothing handles the scheme yet, where the
// system expects apps to do that themselves (Windows); elsewhere
// registration is the installer's or the user's choice, so it does nothing.
func AtFirstRun(exe string) error {
	if !registerAtFirstRun || checkExecutable(exe) != nil || Check(exe).Registered {
		return nil
	}
	return Register(exe)
}

// System is this executable's registration with the operating system, as
// the window shows and fixes it.
type System struct{}

// Status reports whether links open in this executable, and a sentence
// saying so.
func (System) Status() (bool, msg.Message) {
	exe, err := Executable()
	if err != nil {
		return false, msg.FromError(err)
	}
	st := Check(exe)
	return st.Registered, st.Detail
}

// Register makes links open in this executable.
func (System) Register() error {
	exe, err := Executable()
	if err != nil {
		return err
	}
	return Register(exe)
}

// AtFirstRunLogged registers this executable as AtFirstRun does, telling
// log when it could not.
func AtFirstRunLogged(log func(msg.Message)) {
	if exe, err := Executable(); err == nil {
		if err := AtFirstRun(exe); err != nil {
			log(msg.RegisterFailedAtStart.New(msg.Args{"Scheme": Scheme, "Err": err}))
		}
	}
}

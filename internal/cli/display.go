package cli

import (
	"net"
	"os"
	"runtime"
	"strconv"
	"strings"
	"time"
)

// displayDialTimeout bounds the check of a remote display (an SSH
// session's forwarded one); a local socket answers at once.
const displayDialTimeout = 2 * time.Second

// CheckDisplay: on Linux a window needs an X11 or Wayland display, and
// without one GLFW panics inside Fyne. A DISPLAY naming no running X server
// (an SSH session whose forwarding is gone, DISPLAY=:0 in a container) is
// found by connecting to the server's socket, as Xlib would, which costs
// well under a millisecond locally. A later copy that only hands over a
// link or raises the running window needs no display, so this comes after
// that.
func CheckDisplay() error {
	if runtime.GOOS != "linux" {
		return nil
	}
	display := os.Getenv("DISPLAY")
	if display == "" {
		if os.Getenv("WAYLAND_DISPLAY") != "" {
			return nil
		}
		return UsageError("no display: use --headless (or set DISPLAY)")
	}
	if !displayReachable(display) {
		return UsageError("cannot open display " + display + ": use --headless, or check DISPLAY")
	}
	return nil
}

// displayReachable reports whether an X server accepts connections at
// display; a value it cannot read is left for Xlib to judge.
func displayReachable(display string) bool {
	addrs, ok := displayAddrs(display)
	if !ok {
		return true
	}
	for _, a := range addrs {
		if conn, err := net.DialTimeout(a.network, a.address, displayDialTimeout); err == nil {
			conn.Close()
			return true
		}
	}
	return false
}

type displayAddr struct{ network, address string }

// displayAddrs are where Xlib would connect for display
// ([host]:number[.screen]): a local display's abstract and file sockets,
// or TCP port 6000+number on host.
func displayAddrs(display string) ([]displayAddr, bool) {
	i := strings.LastIndexByte(display, ':')
	if i < 0 {
		return nil, false
	}
	host, rest := display[:i], display[i+1:]
	number, _, _ := strings.Cut(rest, ".")
	n, err := strconv.Atoi(number)
	if err != nil || n < 0 || strings.ContainsAny(host, "/") || strings.HasSuffix(host, ":") { // paths, DECnet: Xlib's business
		return nil, false
	}
	if host == "" || host == "unix" {
		socket := "/tmp/.X11-unix/X" + number
		return []displayAddr{{"unix", "@" + socket}, {"unix", socket}}, true
	}
	return []displayAddr{{"tcp", net.JoinHostPort(strings.Trim(host, "[]"), strconv.Itoa(6000+n))}}, true
}

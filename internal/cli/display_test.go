package cli

import (
	"net"
	"reflect"
	"strconv"
	"testing"
)

func TestDisplayAddrs(t *testing.T) {
	for display, want := range map[string][]displayAddr{
		":0":             {{"unix", "@/tmp/.X11-unix/X0"}, {"unix", "/tmp/.X11-unix/X0"}},
		"unix:12.0":      {{"unix", "@/tmp/.X11-unix/X12"}, {"unix", "/tmp/.X11-unix/X12"}},
		"localhost:10.0": {{"tcp", "localhost:6010"}},
		"[::1]:1":        {{"tcp", "[::1]:6001"}},
	} {
		if got, ok := displayAddrs(display); !ok || !reflect.DeepEqual(got, want) {
			t.Errorf("%s: %v %v, want %v", display, got, ok, want)
		}
	}
	for _, unreadable := range []string{"garbage", ":x", "/private/tmp/launchd/org.xquartz:0", "host::0"} {
		if _, ok := displayAddrs(unreadable); ok {
			t.Errorf("%s was read", unreadable)
		}
	}
}

// A display is reachable when something accepts connections where Xlib
// would connect, and not once it has gone.
func TestDisplayReachable(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	if port < 6000 {
		l.Close()
		t.Skipf("port %d has no display number", port)
	}
	display := "127.0.0.1:" + strconv.Itoa(port-6000)
	if !displayReachable(display) {
		t.Errorf("%s: a listening server was not reached", display)
	}
	l.Close()
	if displayReachable(display) {
		t.Errorf("%s: reached after the server went", display)
	}
}

// The check runs at every windowed launch: what one costs against a local
// server (BENCHMARKS.md compares it with the window's start-up).
func BenchmarkDisplayReachable(b *testing.B) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	defer l.Close()
	go func() {
		for {
			conn, err := l.Accept()
			if err != nil {
				return
			}
			conn.Close()
		}
	}()
	display := "127.0.0.1:" + strconv.Itoa(l.Addr().(*net.TCPAddr).Port-6000)
	for b.Loop() {
		if !displayReachable(display) {
			b.Fatal("not reached")
		}
	}
}

package instance_test

import (
	"errors"
	"io"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/qexcompanion/qex-companion/flows/msg"
	"github.com/qexcompanion/qex-companion/internal/instance"
)

// shortDir keeps the socket path under the 104-byte limit of Unix sockets.
func shortDir(t *testing.T) string {
	dir, err := os.MkdirTemp("/tmp", "qi")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	return filepath.Join(dir, "app")
}

type record struct {
	mu       sync.Mutex
	urls     []string
	raises   int
	rejected []string
}

func (r *record) handler() instance.Handler {
	return instance.Handler{
		OpenURL:  func(u string) { r.mu.Lock(); r.urls = append(r.urls, u); r.mu.Unlock() },
		Raise:    func() { r.mu.Lock(); r.raises++; r.mu.Unlock() },
		Rejected: func(m msg.Message) { r.mu.Lock(); r.rejected = append(r.rejected, m.String()); r.mu.Unlock() },
	}
}

func (r *record) snapshot() ([]string, int, []string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.urls...), r.raises, append([]string(nil), r.rejected...)
}

func acquire(t *testing.T, dir string, h instance.Handler) *instance.Primary {
	t.Helper()
	p, running, err := instance.Acquire(dir, h)
	if err != nil || running != nil || p == nil {
		t.Fatalf("Acquire: %v %v", running, err)
	}
	t.Cleanup(func() { p.Close() })
	return p
}

func TestSecondCopyHandsOver(t *testing.T) {
	dir := shortDir(t)
	rec := &record{}
	acquire(t, dir, rec.handler())
	for _, name := range []string{"", "instance.token"} {
		st, err := os.Stat(filepath.Join(dir, name))
		want := os.FileMode(0o700)
		if name != "" {
			want = 0o600
		}
		if err != nil || st.Mode().Perm() != want {
			t.Errorf("%s: %v %v, want %v", name, st.Mode().Perm(), err, want)
		}
	}
	p2, running, err := instance.Acquire(dir, instance.Handler{})
	if err != nil || p2 != nil || running == nil {
		t.Fatalf("second Acquire: %v %v %v", p2, running, err)
	}
	if err := running.OpenURL("io.qexcompanion.app:/callback?state=abc"); err != nil {
		t.Fatal(err)
	}
	if err := running.Raise(); err != nil {
		t.Fatal(err)
	}
	urls, raises, rejected := rec.snapshot()
	if len(urls) != 1 || urls[0] != "io.qexcompanion.app:/callback?state=abc" || raises != 1 || len(rejected) != 0 {
		t.Errorf("urls %q raises %d rejected %q", urls, raises, rejected)
	}
}

// talk sends raw bytes as a client would and returns the reply.
func talk(t *testing.T, dir string, payload []byte) string {
	t.Helper()
	conn, err := net.Dial("unix", filepath.Join(dir, "instance.sock"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(5 * time.Second))
	conn.Write(payload)
	buf := make([]byte, 512)
	n, _ := conn.Read(buf)
	return string(buf[:n])
}

func TestForgedClientsAreRefusedAndHarmless(t *testing.T) {
	dir := shortDir(t)
	rec := &record{}
	acquire(t, dir, rec.handler())

	cases := map[string][]byte{
		"no token":    []byte(`{"open_url":"io.qexcompanion.app:/callback?state=x"}` + "\n"),
		"wrong token": []byte(`{"token":"00","open_url":"io.qexcompanion.app:/callback?state=x"}` + "\n"),
		"garbage":     []byte("\x00\xff\xfe not json at all\n"),
		"unknown key": []byte(`{"token":"00","run":"rm -rf /"}` + "\n"),
		"oversized":   []byte(`{"token":"` + strings.Repeat("a", 10000) + `"}` + "\n"),
		"no newline":  []byte(`{"token":"00"`),
	}
	for name, payload := range cases {
		if got := talk(t, dir, payload); !strings.Contains(got, `"ok":false`) {
			t.Errorf("%s: reply %q", name, got)
		}
	}

	// Silent clients and a flood of connections do not stop the real one.
	var silent []net.Conn
	for range 20 {
		if c, err := net.Dial("unix", filepath.Join(dir, "instance.sock")); err == nil {
			silent = append(silent, c)
		}
	}
	defer func() {
		for _, c := range silent {
			c.Close()
		}
	}()
	_, running, _ := instance.Acquire(dir, instance.Handler{})
	deadline := time.Now().Add(10 * time.Second)
	for {
		err := running.OpenURL("io.qexcompanion.app:/callback?state=real")
		if err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the real second copy never got through: %v", err)
		}
		time.Sleep(100 * time.Millisecond)
	}
	urls, _, rejected := rec.snapshot()
	if len(urls) != 1 || urls[0] != "io.qexcompanion.app:/callback?state=real" {
		t.Errorf("urls %q", urls)
	}
	if len(rejected) < len(cases) {
		t.Errorf("%d rejections reported, want at least %d: %q", len(rejected), len(cases), rejected)
	}
}

func TestStaleSocketIsTakenOver(t *testing.T) {
	dir := shortDir(t)
	p, _, err := instance.Acquire(dir, instance.Handler{})
	if err != nil {
		t.Fatal(err)
	}
	// A crash leaves the socket file with nobody behind it.
	os.MkdirAll(dir, 0o700)
	p.Close()
	ln, _ := net.Listen("unix", filepath.Join(dir, "instance.sock"))
	ln.(*net.UnixListener).SetUnlinkOnClose(false)
	ln.Close()
	if _, err := os.Stat(filepath.Join(dir, "instance.sock")); err != nil {
		t.Fatalf("no stale socket to test with: %v", err)
	}
	acquire(t, dir, instance.Handler{})
}

func TestOpenFolderIsClosed(t *testing.T) {
	dir := shortDir(t)
	os.MkdirAll(dir, 0o777)
	os.Chmod(dir, 0o777)
	acquire(t, dir, instance.Handler{})
	if st, _ := os.Stat(dir); st.Mode().Perm() != 0o700 {
		t.Errorf("folder left %v", st.Mode().Perm())
	}
}

// A flood of connections while every slot is taken gives a few notes whose
// counts add up to the connections refused, not a note each.
func TestFloodOfConnectionsGivesFewNotes(t *testing.T) {
	dir := shortDir(t)
	rec := &record{}
	acquire(t, dir, rec.handler())
	socket := filepath.Join(dir, "instance.sock")
	dial := func() net.Conn {
		c, err := net.Dial("unix", socket)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		return c
	}
	// Silent clients, accepted first, hold every slot for the message timeout.
	for range 8 {
		dial()
	}
	refused := 0
	for range 100 {
		c := dial()
		c.SetReadDeadline(time.Now().Add(time.Second))
		if n, err := c.Read(make([]byte, 1)); n == 0 && errors.Is(err, io.EOF) {
			refused++ // closed at once, without a reply
		}
	}
	if refused < 90 {
		t.Fatalf("only %d of 100 connections were refused; the test needs the slots full", refused)
	}
	counted := regexp.MustCompile(`^refused (\d+) single-instance connections?: too many at once$`)
	total := func() (sum int, notes []string) {
		_, _, notes = rec.snapshot()
		for _, note := range notes {
			m := counted.FindStringSubmatch(note)
			if m == nil {
				t.Fatalf("note %q", note)
			}
			n, _ := strconv.Atoi(m[1])
			sum += n
		}
		return sum, notes
	}
	// The last note comes at the end of the interval.
	deadline := time.Now().Add(5 * time.Second)
	sum, notes := total()
	for sum < refused && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
		sum, notes = total()
	}
	if sum != refused || len(notes) > 3 {
		t.Errorf("%d notes counting %d refusals, want at most 3 counting %d: %q", len(notes), sum, refused, notes)
	}
}

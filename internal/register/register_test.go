//go:build linux

package register_test

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/qexcompanion/qex-companion/assets"
	"github.com/qexcompanion/qex-companion/internal/register"
)

// xdgHome points every XDG folder at a fresh temporary home.
func xdgHome(t *testing.T) (data, config string) {
	home := t.TempDir()
	data, config = filepath.Join(home, "share"), filepath.Join(home, "config")
	t.Setenv("HOME", home)
	t.Setenv("XDG_DATA_HOME", data)
	t.Setenv("XDG_CONFIG_HOME", config)
	t.Setenv("XDG_DATA_DIRS", data) // nothing system-wide answers for the scheme
	t.Setenv("XDG_CURRENT_DESKTOP", "")
	return data, config
}

func queryDefault(t *testing.T) string {
	t.Helper()
	out, err := exec.Command("xdg-mime", "query", "default", "x-scheme-handler/io.qexcompanion.app").Output()
	if err != nil {
		t.Fatalf("xdg-mime query: %v (make deps installs xdg-utils)", err)
	}
	return strings.TrimSpace(string(out))
}

func TestRegisterOnLinux(t *testing.T) {
	data, _ := xdgHome(t)
	exe := "/opt/QEX Companion/bin/qex-companion"
	if got := register.Check(exe); got.Registered {
		t.Fatalf("registered before Register: %+v", got)
	}
	if err := register.Register(exe); err != nil {
		t.Fatal(err)
	}
	entry, err := os.ReadFile(filepath.Join(data, "applications", "io.qexcompanion.app.desktop"))
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range []string{
		"[Desktop Entry]",
		"MimeType=x-scheme-handler/io.qexcompanion.app;",
		`Exec="/opt/QEX Companion/bin/qex-companion" %u`,
		"NoDisplay=true",
	} {
		if !strings.Contains(string(entry), line+"\n") {
			t.Errorf("desktop file lacks %q:\n%s", line, entry)
		}
	}
	// Its icon is the app's, where the entry says.
	icon := strings.TrimPrefix(regexp.MustCompile(`(?m)^Icon=.*$`).FindString(string(entry)), "Icon=")
	if got, err := os.ReadFile(icon); err != nil || !bytes.Equal(got, assets.IconPNG) {
		t.Errorf("the icon the entry names (%q) is not the app's: %v", icon, err)
	}
	if out, err := exec.Command("desktop-file-validate", filepath.Join(data, "applications", "io.qexcompanion.app.desktop")).CombinedOutput(); err != nil {
		t.Errorf("desktop-file-validate: %v\n%s", err, out)
	}
	if got := queryDefault(t); got != "io.qexcompanion.app.desktop" {
		t.Errorf("xdg-mime names %q", got)
	}
	if got := register.Check(exe); !got.Registered {
		t.Errorf("Check after Register: %+v", got)
	}
	if got := register.Check("/elsewhere/qex-companion"); got.Registered || !strings.Contains(got.Detail.String(), "Another copy") {
		t.Errorf("Check for another binary: %+v", got)
	}

	if err := register.Unregister(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(data, "applications", "io.qexcompanion.app.desktop")); !os.IsNotExist(err) {
		t.Errorf("desktop file still there: %v", err)
	}
	if _, err := os.Stat(icon); !os.IsNotExist(err) {
		t.Errorf("icon still there: %v", err)
	}
	if got := queryDefault(t); got != "" {
		t.Errorf("xdg-mime still names %q after Unregister", got)
	}
	if got := register.Check(exe); got.Registered {
		t.Errorf("Check after Unregister: %+v", got)
	}
}

func TestRefusesGoRunBinaries(t *testing.T) {
	xdgHome(t)
	if err := register.Register("/tmp/go-build1234/b001/exe/qex-companion"); err != register.ErrTemporaryBinary {
		t.Errorf("err = %v", err)
	}
}

//go:build linux || freebsd || openbsd || netbsd || dragonfly

package register

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/qexcompanion/qex-companion/assets"
)

// registerAtFirstRun: see AtFirstRun.
const registerAtFirstRun = false

// DesktopFile is the name of the .desktop entry that handles the scheme.
const DesktopFile = Scheme + ".desktop"

const mimeType = "x-scheme-handler/" + Scheme

func xdgDir(env, fallback string) (string, error) {
	if dir := os.Getenv(env); dir != "" {
		return dir, nil
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return "", err
	}
	return filepath.Join(home, fallback), nil
}

func dataHome() (string, error)   { return xdgDir("XDG_DATA_HOME", ".local/share") }
func configHome() (string, error) { return xdgDir("XDG_CONFIG_HOME", ".config") }

// quoteExec quotes an Exec argument as the Desktop Entry spec asks.
func quoteExec(arg string) string {
	r := strings.NewReplacer(`\`, `\\\\`, `"`, `\\"`, "`", "\\\\`", `$`, `\\$`)
	return `"` + r.Replace(arg) + `"`
}

// desktopEntry is the handler entry: hidden from menus, it only opens links.
func desktopEntry(exe, icon string) string {
	return strings.Join([]string{
		"[Desktop Entry]",
		"Type=Application",
		"Name=QEX Companion",
		"Comment=Opens " + Scheme + " links in QEX Companion",
		"Exec=" + quoteExec(exe) + " %u",
		"Icon=" + icon,
		"Terminal=false",
		"NoDisplay=true",
		"MimeType=" + mimeType + ";",
		"",
	}, "\n")
}

func register(exe string) error {
	data, err := dataHome()
	if err != nil {
		return err
	}
	apps := filepath.Join(data, "applications")
	icon := filepath.Join(data, "icons", "hicolor", "512x512", "apps", Scheme+".png")
	for _, dir := range []string{apps, filepath.Dir(icon)} {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return err
		}
	}
	if err := os.WriteFile(icon, assets.IconPNG, 0o644); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(apps, DesktopFile), []byte(desktopEntry(exe, icon)), 0o644); err != nil {
		return err
	}
	if out, err := exec.Command("xdg-mime", "default", DesktopFile, mimeType).CombinedOutput(); err != nil {
		return fmt.Errorf("xdg-mime could not make %s the handler: %v %s", DesktopFile, err, bytes.TrimSpace(out))
	}
	// Some desktops read the cache rather than the files; it may be missing.
	exec.Command("update-desktop-database", apps).Run() //nolint:errcheck // optional
	return nil
}

func unregister() error {
	data, err := dataHome()
	if err != nil {
		return err
	}
	for _, f := range []string{
		filepath.Join(data, "applications", DesktopFile),
		filepath.Join(data, "icons", "hicolor", "512x512", "apps", Scheme+".png"),
	} {
		if err := os.Remove(f); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return err
		}
	}
	// xdg-mime can set a default but not unset one: drop our line from
	// mimeapps.list ourselves.
	config, err := configHome()
	if err != nil {
		return err
	}
	list := filepath.Join(config, "mimeapps.list")
	content, err := os.ReadFile(list)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	var kept []string
	for _, line := range strings.Split(string(content), "\n") {
		if strings.HasPrefix(strings.TrimSpace(line), mimeType+"=") {
			continue
		}
		kept = append(kept, line)
	}
	exec.Command("update-desktop-database", filepath.Join(data, "applications")).Run() //nolint:errcheck // optional
	return os.WriteFile(list, []byte(strings.Join(kept, "\n")), 0o644)
}

func check(exe string) Status {
	out, err := exec.Command("xdg-mime", "query", "default", mimeType).Output()
	if err != nil {
		return Status{Detail: "xdg-mime is not available to check (install xdg-utils)"}
	}
	handler := strings.TrimSpace(string(out))
	if handler != DesktopFile {
		if handler == "" {
			return Status{Detail: "No application opens " + Scheme + " links"}
		}
		return Status{Detail: "Another application opens " + Scheme + " links: " + handler}
	}
	data, err := dataHome()
	if err != nil {
		return Status{Detail: err.Error()}
	}
	entry, err := os.ReadFile(filepath.Join(data, "applications", DesktopFile))
	if err != nil {
		return Status{Detail: DesktopFile + " is the handler but is missing; register again"}
	}
	if !strings.Contains(string(entry), "Exec="+quoteExec(exe)+" %u") {
		return Status{Detail: "Another copy of QEX Companion opens " + Scheme + " links; register this one to change that"}
	}
	return Status{Registered: true, Detail: "This app opens " + Scheme + " links"}
}

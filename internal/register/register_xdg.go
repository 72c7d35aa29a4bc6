//go:build linux || freebsd || openbsd || netbsd || dragonfly

package register

import (
	"bytes"
	"errors"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/qexcompanion/qex-companion/assets"
	"github.com/qexcompanion/qex-companion/flows/msg"
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
	icon := iconPath(data)
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
		return msg.RegisterXDGMimeFailed.Err(msg.Args{"File": DesktopFile, "Err": err, "Output": msg.Detail(bytes.TrimSpace(out))}, err)
	}
	// Some desktops read the cache rather than the files; it may be missing.
	exec.Command("update-desktop-database", apps).Run() //nolint:errcheck // optional
	return nil
}

// iconPath is where the handler's icon goes: the app icon is 256×256.
func iconPath(data string) string {
	return filepath.Join(data, "icons", "hicolor", "256x256", "apps", Scheme+".png")
}

func unregister() error {
	data, err := dataHome()
	if err != nil {
		return err
	}
	for _, f := range []string{
		filepath.Join(data, "applications", DesktopFile),
		iconPath(data),
		filepath.Join(data, "icons", "hicolor", "512x512", "apps", Scheme+".png"), // where versions before 2026-12 put it
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
		return Status{Detail: msg.RegisterNoXDGMime.New(nil)}
	}
	handler := strings.TrimSpace(string(out))
	if handler != DesktopFile {
		if handler == "" {
			return Status{Detail: msg.RegisterNoHandler.New(msg.Args{"Scheme": Scheme})}
		}
		return Status{Detail: msg.RegisterOtherHandler.New(msg.Args{"Scheme": Scheme, "Handler": handler})}
	}
	data, err := dataHome()
	if err != nil {
		return Status{Detail: msg.FromError(err)}
	}
	entry, err := os.ReadFile(filepath.Join(data, "applications", DesktopFile))
	if err != nil {
		return Status{Detail: msg.RegisterEntryMissing.New(msg.Args{"File": DesktopFile})}
	}
	if !strings.Contains(string(entry), "Exec="+quoteExec(exe)+" %u") {
		return Status{Detail: msg.RegisterOtherCopy.New(msg.Args{"Scheme": Scheme})}
	}
	return Status{Registered: true, Detail: msg.RegisterRegistered.New(msg.Args{"Scheme": Scheme})}
}

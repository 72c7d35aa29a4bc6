package ui

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"fyne.io/fyne/v2/storage"
	"fyne.io/fyne/v2/test"

	"github.com/qexcompanion/qex-companion/widgetcfg"
)

func TestSaveAsWritesAPrivateFile(t *testing.T) {
	m := NewMainWindow(test.NewTempApp(t), &scriptedEngine{}, Options{Do: func(f func()) { f() }})
	cfg := widgetcfg.ForSession("pk_sandbox_12345678", "sid", "the-secret")
	m.config.set(cfg)

	path := filepath.Join(t.TempDir(), "qex-widget-config.json")
	w, err := storage.Writer(storage.NewFileURI(path)) // what the dialog hands over
	if err != nil {
		t.Fatal(err)
	}
	m.config.saveTo(w, nil)
	st, err := os.Stat(path)
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("saved file: %v %v", st, err)
	}
	want, _ := cfg.MarshalIndent()
	if got, _ := os.ReadFile(path); string(got) != string(want) {
		t.Errorf("saved\n%s\nwant\n%s", got, want)
	}
	if m.config.notice.Text != "Saved to "+path+" (readable only by you)." {
		t.Errorf("notice %q", m.config.notice.Text)
	}

	// Cancel writes nothing and says nothing.
	m.config.notice.SetText("")
	m.config.saveTo(nil, nil)
	if m.config.notice.Text != "" || m.config.errLabel.Visible() {
		t.Error("cancelling the dialog changed the screen")
	}

	// A folder that vanished is reported, one line.
	gone := filepath.Join(t.TempDir(), "gone")
	os.Mkdir(gone, 0o700)
	w, _ = storage.Writer(storage.NewFileURI(filepath.Join(gone, "cfg.json")))
	os.RemoveAll(gone)
	m.config.saveTo(w, nil)
	if !m.config.errLabel.Visible() || !strings.HasPrefix(m.config.errLabel.Text, "Cannot write ") || strings.Contains(m.config.errLabel.Text, "the-secret") {
		t.Errorf("error %q", m.config.errLabel.Text)
	}
}

package widgetcfg_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/qexcompanion/qex-companion/widgetcfg"
)

func TestForSessionGolden(t *testing.T) {
	got, err := widgetcfg.ForSession("pk_sandbox_abc12345", "sid-1", "secret-1").MarshalIndent()
	if err != nil {
		t.Fatal(err)
	}
	want := `{
  "public_api_key": "pk_sandbox_abc12345",
  "config_version": "1.2",
  "identity": {
    "user_session": {
      "session_id": "sid-1",
      "session_secret": "secret-1"
    }
  }
}
`
	if string(got) != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}

func TestValidate(t *testing.T) {
	if err := widgetcfg.ForSession("pk_x", "sid", "sec").Validate(); err != nil {
		t.Errorf("valid config: %v", err)
	}
	err := widgetcfg.ForSession("sk_x", "", "").Validate()
	want := "public_api_key: must start with \"pk_\"\nidentity.user_session.session_id: missing\nidentity.user_session.session_secret: missing"
	if err == nil || err.Error() != want {
		t.Errorf("got %v\nwant %s", err, want)
	}
}

func TestWriteFileIsPrivateAndWhole(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "widget.json")
	os.WriteFile(path, []byte("old"), 0o644)
	cfg := widgetcfg.ForSession("pk_x", "sid", "sec")
	if err := cfg.WriteFile(path); err != nil {
		t.Fatal(err)
	}
	st, _ := os.Stat(path)
	data, _ := os.ReadFile(path)
	want, _ := cfg.MarshalIndent()
	if st.Mode().Perm() != 0o600 || string(data) != string(want) {
		t.Errorf("mode %v, content %s", st.Mode().Perm(), data)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("temporary files left behind: %v", entries)
	}
	err := cfg.WriteFile(filepath.Join(dir, "missing", "w.json"))
	if err == nil || !strings.HasPrefix(err.Error(), "cannot write "+filepath.Join(dir, "missing", "w.json")+": ") || strings.Contains(err.Error(), ".w.json.") {
		t.Errorf("err = %v", err)
	}
}

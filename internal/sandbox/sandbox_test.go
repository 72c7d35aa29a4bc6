package sandbox_test

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/qexcompanion/qex-companion/flows/liquid"
	"github.com/qexcompanion/qex-companion/internal/providers"
	"github.com/qexcompanion/qex-companion/internal/sandbox"
)

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

func TestStartRefusesOtherInterfaces(t *testing.T) {
	if sb, err := sandbox.Start("0.0.0.0:0", providers.Emulators(providers.All)); err == nil {
		sb.Close()
		t.Error("Start bound every interface")
	}
}

// One port serves every emulator, each under its own path, and the index
// page names each.
func TestEveryEmulatorIsServedUnderItsPath(t *testing.T) {
	sb, err := sandbox.Start("127.0.0.1:0", providers.Emulators(providers.All))
	if err != nil {
		t.Fatal(err)
	}
	defer sb.Close()
	status, index := get(t, sb.URL+"/")
	if status != http.StatusOK {
		t.Fatalf("index: HTTP %d", status)
	}
	for _, e := range providers.Emulators(providers.All) {
		if !strings.Contains(index, e.Description()) {
			t.Errorf("the index page does not name the %s:\n%s", e.Description(), index)
		}
		url, err := sb.ProviderURL(e.Provider())
		if err != nil || url != sb.URL+e.Path() {
			t.Errorf("%s is at %q, %v", e.Provider(), url, err)
		}
	}
	// The Liquid exchange API under /liquid, with its own error shape.
	liquidURL, _ := sb.ProviderURL(liquid.Name)
	status, body := get(t, liquidURL+"/user/context")
	var answer struct{ Message string }
	if status != http.StatusBadRequest || json.Unmarshal([]byte(body), &answer) != nil || !strings.Contains(answer.Message, "X-Quoine-API-Version") {
		t.Errorf("GET /liquid/user/context unsigned: %d %s", status, body)
	}
	if in := sb.Inputs(liquid.Name); in[liquid.FieldTokenID] == "" || in[liquid.FieldTokenSecret] == "" {
		t.Errorf("the Liquid emulator's inputs: %v", in)
	}
	if status, _ := get(t, sb.URL+"/user/context"); status != http.StatusNotFound {
		t.Errorf("Liquid's paths answer at the root too: %d", status)
	}
	if _, err := sb.ProviderURL("nonesuch"); err == nil {
		t.Error("a provider without an emulator has a URL")
	}
}

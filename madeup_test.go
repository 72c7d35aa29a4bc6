package main

// A made-up provider, added to the one list: every front end and the
// sandbox must take it up with no other change. (The fault matrix fails
// for a listed provider it has no calls of: TestFaultMatrixCoversEveryProvider.)

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/qexcompanion/qex-companion/internal/providers"
	"github.com/qexcompanion/qex-companion/internal/providers/providertest"
)

func runInProcess(t *testing.T, ctx context.Context, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	var out, errOut bytes.Buffer
	code = run(ctx, args, &out, &errOut)
	return out.String(), errOut.String(), code
}

func TestMadeUpProviderInTheCommandLine(t *testing.T) {
	providertest.Register(t)
	t.Setenv("XDG_CONFIG_HOME", t.TempDir())
	_, help, code := runInProcess(t, context.Background(), "-h")
	if code != 0 || !strings.Contains(help, providertest.Name) || !strings.Contains(help, "-"+providertest.FieldAccount) || !strings.Contains(help, "$"+providertest.EnvVar) {
		t.Errorf("the usage (exit %d) does not offer the made-up provider, its flag and its variable:\n%s", code, help)
	}
	// The headless front end runs its flow on the embedded sandbox, with
	// the sandbox's own inputs.
	out, errOut, code := runInProcess(t, context.Background(), "--headless", "--insecure-storage", "--provider", providertest.Name)
	if code != 0 || !strings.Contains(out, `"balance":"12.34"`) || !strings.Contains(errOut, "12.34") {
		t.Errorf("headless flow: exit %d\nstdout %s\nstderr %s", code, out, errOut)
	}
	// A wrong secret from its variable reaches its emulator, which refuses it.
	t.Setenv(providertest.EnvVar, "wrong")
	if _, errOut, code := runInProcess(t, context.Background(), "--headless", "--insecure-storage", "--provider", providertest.Name); code != 1 || !strings.Contains(errOut, "HTTP 401") {
		t.Errorf("with a wrong secret: exit %d\n%s", code, errOut)
	}
	if _, errOut, code := runInProcess(t, context.Background(), "--provider", providertest.Name, "--widget", "--headless"); code != 2 || !strings.Contains(errOut, "has no widget") {
		t.Errorf("--widget for a provider without one: exit %d\n%s", code, errOut)
	}
}

// --serve-sandbox serves it and says where, with its inputs; the index page
// lists it.
func TestMadeUpProviderInTheServedSandbox(t *testing.T) {
	providertest.Register(t)
	t.Setenv(providertest.EnvVar, "chosen-secret")
	ctx, cancel := context.WithCancel(context.Background())
	outR, outW := io.Pipe()
	var errOut syncBuffer
	done := make(chan int)
	go func() {
		done <- run(ctx, []string{"--serve-sandbox", "127.0.0.1:0"}, outW, &errOut)
		outW.Close()
	}()
	line, err := bufio.NewReader(outR).ReadString('\n')
	if err != nil {
		t.Fatal(err)
	}
	go io.Copy(io.Discard, outR) //nolint:errcheck // nothing more is printed
	base := strings.TrimSpace(line)
	resp, err := http.Get(base + "/")
	if err != nil {
		t.Fatal(err)
	}
	index, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, e := range providers.Emulators(providers.All) {
		if !strings.Contains(string(index), e.Description()) {
			t.Errorf("the index page does not list the %s:\n%s", e.Description(), index)
		}
	}
	resp, err = http.Post(base+"/madeup/balance", "application/json", strings.NewReader(`{"account": "`+providertest.DefaultAccount+`", "secret": "chosen-secret"}`))
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Errorf("the made-up emulator with the chosen secret: %v %v", resp, err)
	}
	if resp != nil {
		resp.Body.Close()
	}
	cancel()
	if code := <-done; code != 0 {
		t.Errorf("exit %d: %s", code, errOut.String())
	}
	banner := errOut.String()
	for _, info := range providers.Infos(providers.All) {
		url := base
		for _, e := range providers.Emulators(providers.All) {
			if e.Provider() == info.Name {
				url = base + e.Path()
			}
		}
		if !strings.Contains(banner, " at "+url+".") && !strings.Contains(banner, " at "+url+" (") {
			t.Errorf("the banner does not say where %s is (%s):\n%s", info.Name, url, banner)
		}
	}
	if !strings.Contains(banner, "Sandbox "+providertest.Description+" at "+base+"/madeup (account id "+providertest.DefaultAccount+", account secret $"+providertest.EnvVar+")") {
		t.Errorf("the banner does not give the made-up provider's inputs:\n%s", banner)
	}
	if strings.Contains(banner, "chosen-secret") {
		t.Errorf("the banner shows a secret:\n%s", banner)
	}
}

// syncBuffer is a bytes.Buffer safe to write from the server's goroutine.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

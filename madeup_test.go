package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/qexcompanion/qex-companion/flows"
	"github.com/qexcompanion/qex-companion/internal/apihttp"
	"github.com/qexcompanion/qex-companion/internal/providers"
	"github.com/qexcompanion/qex-companion/internal/sandbox"
)

// A made-up provider, added to the one list: every front end and the
// sandbox must take it up with no other change. (The fault matrix checks
// that it covers every provider of the list: TestFaultMatrixCoversEveryProvider.)

const (
	madeUpName     = "madeup"
	madeUpBrand    = "Made-Up Bank"
	madeUpAccount  = "account-id"
	madeUpSecret   = "account-secret"
	madeUpEnvVar   = "MADEUP_SECRET"
	madeUpDefault  = "acct-0001"
	madeUpEmulated = "Made-Up Bank balance API"
)

type madeUpClient struct{}

func (madeUpClient) Info() flows.ProviderInfo {
	return flows.ProviderInfo{
		Name: madeUpName, Title: "Made-up bank account", Brand: madeUpBrand, ProductionBase: "https://api.madeup.example",
		Fields: []flows.Field{
			{Name: madeUpAccount, Label: "Account id", Placeholder: "acct-…", Account: true},
			{Name: madeUpSecret, Label: "Account secret", Secret: true, EnvVar: madeUpEnvVar},
		},
	}
}

// Authorize asks the emulator for the account's balance with its secret:
// no browser, one call.
func (madeUpClient) Authorize(ctx context.Context, rt *flows.Runtime, in flows.Inputs) (flows.Session, error) {
	s := &madeUpSession{rt: rt, account: in[madeUpAccount], secret: in[madeUpSecret]}
	if _, err := s.balance(ctx); err != nil {
		return nil, err
	}
	return s, nil
}

func (madeUpClient) Restore(context.Context, *flows.Runtime, flows.Inputs, []byte) (flows.Session, error) {
	return nil, flows.Gone(errors.New("made-up sessions are not kept"))
}

type madeUpSession struct {
	rt              *flows.Runtime
	account, secret string
}

func (s *madeUpSession) balance(ctx context.Context) (string, error) {
	resp, err := apihttp.Send(ctx, s.rt.HTTP, "read the balance", mustBase(s.rt.APIBase), http.MethodPost, "/balance", nil,
		[]byte(fmt.Sprintf(`{"account": %q, "secret": %q}`, s.account, s.secret)))
	if err != nil {
		return "", err
	}
	if resp.Status != http.StatusOK {
		return "", fmt.Errorf("read the balance failed: HTTP %d", resp.Status)
	}
	var ans struct{ Balance string }
	if err := json.Unmarshal(resp.Body, &ans); err != nil {
		return "", err
	}
	return ans.Balance, nil
}

func (s *madeUpSession) Fetch(ctx context.Context) (*flows.Result, error) {
	balance, err := s.balance(ctx)
	if err != nil {
		return nil, err
	}
	out, _ := json.Marshal(map[string]string{"provider": madeUpName, "account": s.account, "balance": balance})
	return &flows.Result{Provider: madeUpName, Profile: []flows.Fact{{Label: "Account", Value: s.account}},
		Balances: &flows.Balances{Accounts: []flows.Account{{Currency: "MUB", Balance: flows.Decimal(balance), Reserved: "0"}}},
		Output:   append(out, '\n')}, nil
}

func (s *madeUpSession) Call(context.Context, string, string, []byte) (*flows.CallResponse, error) {
	return nil, errors.New("no calls")
}
func (s *madeUpSession) End(context.Context) error { return nil }
func (s *madeUpSession) Saved() ([]byte, error)    { return nil, errors.New("not kept") }

func mustBase(base string) *url.URL {
	u, err := apihttp.ParseBaseURL(base, base)
	if err != nil {
		panic(err)
	}
	return u
}

// madeUpEmulator serves POST /balance for its one account, whose secret is
// random unless the person chose one.
type madeUpEmulator struct{}

func (madeUpEmulator) Provider() string    { return madeUpName }
func (madeUpEmulator) Path() string        { return "/madeup" }
func (madeUpEmulator) Description() string { return madeUpEmulated }
func (madeUpEmulator) PublicInputs() flows.Inputs {
	return flows.Inputs{madeUpAccount: madeUpDefault}
}

func (e madeUpEmulator) Start(cfg sandbox.Config) (*sandbox.Mounted, error) {
	secret := cfg.Chosen[madeUpSecret]
	if secret == "" {
		secret = fmt.Sprintf("random-%d", time.Now().UnixNano())
	}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /balance", func(w http.ResponseWriter, r *http.Request) {
		var in struct{ Account, Secret string }
		if json.NewDecoder(io.LimitReader(r.Body, 4096)).Decode(&in) != nil || in.Account != madeUpDefault ||
			subtle.ConstantTimeCompare([]byte(in.Secret), []byte(secret)) != 1 {
			http.Error(w, `{"error": "unknown account or wrong secret"}`, http.StatusUnauthorized)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"balance": "12.34"}`)
	})
	return &sandbox.Mounted{Handler: mux, Inputs: flows.Inputs{madeUpAccount: madeUpDefault, madeUpSecret: secret}}, nil
}

// registerMadeUp adds the made-up provider to the list until the test ends.
func registerMadeUp(t *testing.T) {
	saved := providers.All
	providers.All = append(append([]providers.Provider(nil), saved...), providers.Provider{Client: madeUpClient{}, Emulator: madeUpEmulator{}})
	t.Cleanup(func() { providers.All = saved })
}

func runInProcess(t *testing.T, ctx context.Context, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	var out, errOut bytes.Buffer
	code = run(ctx, args, &out, &errOut)
	return out.String(), errOut.String(), code
}

func TestMadeUpProviderInTheCommandLine(t *testing.T) {
	registerMadeUp(t)
	t.Setenv("XDG_CONFIG_HOME", t.TempDir())
	_, help, code := runInProcess(t, context.Background(), "-h")
	if code != 0 || !strings.Contains(help, madeUpName) || !strings.Contains(help, "-"+madeUpAccount) || !strings.Contains(help, "$"+madeUpEnvVar) {
		t.Errorf("the usage (exit %d) does not offer the made-up provider, its flag and its variable:\n%s", code, help)
	}
	// The headless front end runs its flow on the embedded sandbox, with
	// the sandbox's own inputs.
	out, errOut, code := runInProcess(t, context.Background(), "--headless", "--insecure-storage", "--provider", madeUpName)
	if code != 0 || !strings.Contains(out, `"balance":"12.34"`) || !strings.Contains(errOut, "12.34") {
		t.Errorf("headless flow: exit %d\nstdout %s\nstderr %s", code, out, errOut)
	}
	// A wrong secret from its variable reaches its emulator, which refuses it.
	t.Setenv(madeUpEnvVar, "wrong")
	if _, errOut, code := runInProcess(t, context.Background(), "--headless", "--insecure-storage", "--provider", madeUpName); code != 1 || !strings.Contains(errOut, "HTTP 401") {
		t.Errorf("with a wrong secret: exit %d\n%s", code, errOut)
	}
	if _, errOut, code := runInProcess(t, context.Background(), "--provider", madeUpName, "--widget", "--headless"); code != 2 || !strings.Contains(errOut, "has no widget") {
		t.Errorf("--widget for a provider without one: exit %d\n%s", code, errOut)
	}
}

// --serve-sandbox serves it and says where, with its inputs; the index page
// lists it.
func TestMadeUpProviderInTheServedSandbox(t *testing.T) {
	registerMadeUp(t)
	t.Setenv(madeUpEnvVar, "chosen-secret")
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
	resp, err = http.Post(base+"/madeup/balance", "application/json", strings.NewReader(`{"account": "`+madeUpDefault+`", "secret": "chosen-secret"}`))
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
	if !strings.Contains(banner, "Sandbox "+madeUpEmulated+" at "+base+"/madeup (account id "+madeUpDefault+", account secret $"+madeUpEnvVar+")") {
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

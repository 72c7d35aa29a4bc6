// Package providertest is a made-up provider, client and emulator, that
// tests add to the app's one list of providers: every front end, the
// sandbox and its index page and banner must take it up with no other
// change.
package providertest

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/qexcompanion/qex-companion/flows"
	"github.com/qexcompanion/qex-companion/internal/apihttp"
	"github.com/qexcompanion/qex-companion/internal/providers"
	"github.com/qexcompanion/qex-companion/internal/sandbox"
)

// The made-up provider's names and built-in values.
const (
	Name           = "madeup"
	Brand          = "Made-Up Bank"
	FieldAccount   = "account-id"
	FieldSecret    = "account-secret"
	EnvVar         = "MADEUP_SECRET"
	DefaultAccount = "acct-0001"
	Description    = "Made-Up Bank balance API"
)

type client struct{}

func (client) Info() flows.ProviderInfo {
	return flows.ProviderInfo{
		Name: Name, Title: "Made-up bank account", Brand: Brand, ProductionBase: "https://api.madeup.example",
		Fields: []flows.Field{
			{Name: FieldAccount, Label: "Account id", Placeholder: "acct-…", Account: true},
			{Name: FieldSecret, Label: "Account secret", Secret: true, EnvVar: EnvVar},
		},
	}
}

// Authorize asks the emulator for the account's balance with its secret:
// no browser, one call.
func (client) Authorize(ctx context.Context, rt *flows.Runtime, in flows.Inputs) (flows.Session, error) {
	s := &session{rt: rt, account: in[FieldAccount], secret: in[FieldSecret]}
	if _, err := s.balance(ctx); err != nil {
		return nil, err
	}
	return s, nil
}

func (client) Restore(context.Context, *flows.Runtime, flows.Inputs, []byte) (flows.Session, error) {
	return nil, flows.Gone(errors.New("made-up sessions are not kept"))
}

type session struct {
	rt              *flows.Runtime
	account, secret string
}

func (s *session) balance(ctx context.Context) (string, error) {
	resp, err := apihttp.Send(ctx, s.rt.HTTP, "read the balance", apihttp.API(mustBase(s.rt.APIBase)), http.MethodPost, "/balance", nil,
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

func (s *session) Fetch(ctx context.Context) (*flows.Result, error) {
	balance, err := s.balance(ctx)
	if err != nil {
		return nil, err
	}
	out, _ := json.Marshal(map[string]string{"provider": Name, "account": s.account, "balance": balance})
	return &flows.Result{Provider: Name, Profile: []flows.Fact{{Label: "Account", Value: s.account}},
		Balances: &flows.Balances{Accounts: []flows.Account{{Currency: "MUB", Balance: flows.Decimal(balance), Reserved: "0"}}},
		Output:   append(out, '\n')}, nil
}

func (s *session) Call(context.Context, string, string, []byte) (*flows.CallResponse, error) {
	return nil, errors.New("no calls")
}
func (s *session) End(context.Context) error { return nil }
func (s *session) Saved() ([]byte, error)    { return nil, errors.New("not kept") }

func mustBase(base string) *url.URL {
	u, err := apihttp.ParseBaseURL(base, base)
	if err != nil {
		panic(err)
	}
	return u
}

// emulator serves POST /balance for its one account, whose secret is
// random unless the person chose one.
type emulator struct{}

func (emulator) Provider() string    { return Name }
func (emulator) Path() string        { return "/madeup" }
func (emulator) Description() string { return Description }
func (emulator) PublicInputs() flows.Inputs {
	return flows.Inputs{FieldAccount: DefaultAccount}
}

func (e emulator) Start(cfg sandbox.Config) (*sandbox.Mounted, error) {
	secret := cfg.Chosen[FieldSecret]
	if secret == "" {
		secret = fmt.Sprintf("random-%d", time.Now().UnixNano())
	}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /balance", func(w http.ResponseWriter, r *http.Request) {
		var in struct{ Account, Secret string }
		if json.NewDecoder(io.LimitReader(r.Body, 4096)).Decode(&in) != nil || in.Account != DefaultAccount ||
			subtle.ConstantTimeCompare([]byte(in.Secret), []byte(secret)) != 1 {
			http.Error(w, `{"error": "unknown account or wrong secret"}`, http.StatusUnauthorized)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"balance": "12.34"}`)
	})
	return &sandbox.Mounted{Handler: mux, Inputs: flows.Inputs{FieldAccount: DefaultAccount, FieldSecret: secret}}, nil
}

// Register adds the made-up provider to the list until the test ends.
func Register(t testing.TB) {
	saved := providers.All
	providers.All = append(append([]providers.Provider(nil), saved...), providers.Provider{Client: client{}, Emulator: emulator{}})
	t.Cleanup(func() { providers.All = saved })
}

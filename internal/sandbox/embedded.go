package sandbox

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"sync"

	"github.com/qexcompanion/qex-companion/flows"
	"github.com/qexcompanion/qex-companion/internal/keychain"
	"github.com/qexcompanion/qex-companion/internal/sandbox/liquid"
	"github.com/qexcompanion/qex-companion/internal/sandbox/liquidcommerce"
	"github.com/qexcompanion/qex-companion/internal/sandbox/oauth2"
)

// Embedded is the sandbox the app runs in its own process: started on
// first use, on a free loopback port, keeping its state in a folder and
// the master key its secrets are derived from in the keychain, so sessions
// and OAuth requests outlive the process as they would on real servers.
// Without a keychain it still works, forgetting everything at exit.
type Embedded struct {
	keychain *keychain.Keychain
	dir      string
	opts     []Option

	once sync.Once
	srv  *Server
	err  error
}

// masterKeyEntry names the keychain entry of the master key.
const masterKeyEntry = "sandbox master key"

// NewEmbedded returns an embedded sandbox keeping its state in dir, with
// opts (a shorter token lifetime, say).
func NewEmbedded(kc *keychain.Keychain, dir string, opts ...Option) *Embedded {
	return &Embedded{keychain: kc, dir: dir, opts: opts}
}

// URL starts the sandbox on first use and returns its base URL.
func (e *Embedded) URL() (string, error) {
	e.once.Do(func() {
		opts := e.opts
		if key, err := e.masterKey(); err == nil {
			opts = append([]Option{WithPersistence(filepath.Join(e.dir, "sandbox-state.json"), key)}, opts...)
		}
		e.srv, e.err = Start("127.0.0.1:0", opts...)
	})
	if e.err != nil {
		return "", e.err
	}
	return e.srv.URL, nil
}

// Server is the running sandbox, or nil before URL.
func (e *Embedded) Server() *Server {
	if _, err := e.URL(); err != nil {
		return nil
	}
	return e.srv
}

// Close stops the sandbox if it was started.
func (e *Embedded) Close() {
	if e.srv != nil {
		e.srv.Close()
	}
}

// masterKey reads the key from the keychain, creating it the first time.
func (e *Embedded) masterKey() ([]byte, error) {
	stored, err := e.keychain.Get(masterKeyEntry)
	if errors.Is(err, keychain.ErrNotFound) {
		key := make([]byte, 32)
		rand.Read(key)
		stored = hex.EncodeToString(key)
		err = e.keychain.Set(masterKeyEntry, stored)
	}
	if err != nil {
		return nil, err
	}
	return hex.DecodeString(stored)
}

// Inputs are the sandbox's built-in credentials for a provider, by the
// provider's field names: what the app fills in where a sandbox target
// leaves a field empty.
func (s *Sandbox) Inputs(provider string) flows.Inputs {
	switch provider {
	case "qex":
		return flows.Inputs{"public-api-key": DefaultPublicAPIKey}
	case "liquid":
		id, secret := s.liquid.Token()
		return flows.Inputs{"token-id": id, "token-secret": secret}
	case "liquidcommerce":
		return flows.Inputs{"api-key": s.commerce.APIKey()}
	case "oauth2":
		id, secret := s.oauth2.Client()
		return flows.Inputs{"client-id": id, "client-secret": secret}
	case "exchange":
		return flows.Inputs{"broker": s.brokerURL}
	}
	return nil
}

// Inputs implements flows.Sandbox, starting the sandbox if need be.
func (e *Embedded) Inputs(provider string) flows.Inputs {
	if srv := e.Server(); srv != nil {
		return srv.Inputs(provider)
	}
	return nil
}

// Engine returns a running server as the engine's sandbox (tests).
func (s *Server) Engine() flows.Sandbox { return running{s} }

type running struct{ *Server }

func (r running) URL() (string, error) { return r.Server.URL, nil }

// PublicInputs are the sandbox's built-in inputs that are not secret, by
// provider: what any sandbox server accepts (the embedded one,
// --serve-sandbox), shown prefilled before the sandbox starts.
var PublicInputs = map[string]flows.Inputs{
	"qex":    {"public-api-key": DefaultPublicAPIKey},
	"liquid": {"token-id": liquid.DefaultTokenID},
	"oauth2": {"client-id": oauth2.DefaultClientID},
}

// Secrets are the credentials --serve-sandbox accepts, from the
// environment variables named, so scripts can use them; empty ones are
// random. They are never printed.
type Secrets struct {
	LiquidTokenSecret, LiquidTokenSecretVar string
	CommerceAPIKey, CommerceAPIKeyVar       string
}

// Serve serves every emulator on the loopback addr until ctx ends, printing
// the base URL on stdout (for scripts) and where each is on stderr.
func Serve(ctx context.Context, addr string, secrets Secrets, opts []Option, stdout, stderr io.Writer) error {
	note := func(value, variable string) string {
		if value == "" {
			return "random: set $" + variable + " before starting to choose it"
		}
		return "$" + variable
	}
	if secrets.LiquidTokenSecret != "" {
		opts = append(opts, WithLiquid(liquid.WithToken(liquid.DefaultTokenID, secrets.LiquidTokenSecret)))
	}
	if secrets.CommerceAPIKey != "" {
		opts = append(opts, WithLiquidCommerce(liquidcommerce.WithAPIKey(secrets.CommerceAPIKey)))
	}
	sb, err := Start(addr, opts...)
	if err != nil {
		return err
	}
	defer sb.Close()
	fmt.Fprintln(stdout, sb.URL)
	fmt.Fprintf(stderr, "Sandbox QEX partner API at %s (public API key %s).\n", sb.URL, DefaultPublicAPIKey)
	fmt.Fprintf(stderr, "Sandbox Liquid exchange API at %s%s (token id %s, token secret %s).\n", sb.URL, LiquidPath, liquid.DefaultTokenID, note(secrets.LiquidTokenSecret, secrets.LiquidTokenSecretVar))
	fmt.Fprintf(stderr, "Sandbox Liquid OAuth 2.0 service at %s%s (client id %s).\n", sb.URL, OAuth2Path, oauth2.DefaultClientID)
	fmt.Fprintf(stderr, "Sandbox LiquidCommerce API at %s%s (API key %s).\nPress Ctrl+C to stop.\n", sb.URL, LiquidCommercePath, note(secrets.CommerceAPIKey, secrets.CommerceAPIKeyVar))
	<-ctx.Done()
	return nil
}

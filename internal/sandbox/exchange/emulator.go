package exchange

import (
	"crypto/sha256"
	"net/http"

	"github.com/qexcompanion/qex-companion/flows"
	exchangeclient "github.com/qexcompanion/qex-companion/flows/exchange"
	"github.com/qexcompanion/qex-companion/internal/broker"
	"github.com/qexcompanion/qex-companion/internal/randid"
	"github.com/qexcompanion/qex-companion/internal/sandbox"
)

// BrokerPath is where the sandbox serves the token broker it runs for
// EXchange: the client secret lives only in that broker.
const BrokerPath = "/exchange-broker"

// Emulator is EXchange, and the partner's token broker in front of it, as
// the sandbox runs them, with opts.
func Emulator(opts ...Option) sandbox.Emulator { return emulator(opts) }

type emulator []Option

func (emulator) Provider() string    { return exchangeclient.Name }
func (emulator) Path() string        { return "/exchange" }
func (emulator) Description() string { return "EXchange API (behind a token broker)" }

// PublicInputs has no broker URL: it holds the sandbox's port, which
// changes every launch.
func (emulator) PublicInputs() flows.Inputs { return flows.Inputs{} }

// FieldClientSecret is the client secret's name among the chosen inputs.
const FieldClientSecret = "client_secret"

// BackendFields are the client id and secret, which only a token broker
// holds: a partner serving the sandbox may choose the secret, to run
// qex-broker against it.
func (emulator) BackendFields() []flows.Field {
	return []flows.Field{
		{Name: "client_id", Label: "Client id", Default: DefaultClientID},
		{Name: FieldClientSecret, Label: "Client secret", Secret: true, EnvVar: broker.ClientSecretEnvVar},
	}
}

func (e emulator) Start(cfg sandbox.Config) (*sandbox.Mounted, error) {
	var opts []Option
	if cfg.State != nil {
		f := cfg.State.File("-exchange.json")
		opts = append(opts, WithPersistence(f.Path, f.Key))
	}
	if cfg.TokenLifetime > 0 {
		opts = append(opts, WithKeyLifetime(cfg.TokenLifetime))
	}
	if secret := cfg.Chosen[FieldClientSecret]; secret != "" {
		opts = append(opts, WithClientSecret(secret))
	}
	s := New(append(opts, e...)...)
	b, err := startBroker(cfg, s)
	if err != nil {
		return nil, err
	}
	return &sandbox.Mounted{
		Handler:   s,
		Inputs:    flows.Inputs{exchangeclient.FieldBroker: cfg.Root + BrokerPath},
		Beside:    map[string]http.Handler{BrokerPath: b},
		Scenarios: s.ScenarioShape(),
	}, nil
}

// startBroker starts the token broker that holds the emulator's client
// secret, calling it at cfg.URL. Its grants live in memory, and in a state
// file beside the others when the sandbox keeps state (their tokens sealed
// under a key derived from the master key).
func startBroker(cfg sandbox.Config, s *Server) (*broker.Server, error) {
	key := sha256.Sum256([]byte("sandbox broker key " + randid.UUID4()))
	store := broker.NewMemoryStore(nil, nil)
	if cfg.State != nil {
		key = sha256.Sum256(append([]byte("sandbox broker key "), cfg.State.Key...))
		state := cfg.State.File("-broker.json")
		var saved []broker.Grant
		state.Load(&saved)
		store = broker.NewMemoryStore(saved, func(all []broker.Grant) { state.Save(all) })
	}
	id, secret := s.Client()
	return broker.New(broker.Config{ExchangeBase: cfg.URL, ClientID: id, ClientSecret: secret, Key: key[:], Store: store})
}

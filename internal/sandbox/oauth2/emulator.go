package oauth2

import (
	"github.com/qexcompanion/qex-companion/flows"
	oauth2client "github.com/qexcompanion/qex-companion/flows/oauth2"
	"github.com/qexcompanion/qex-companion/internal/sandbox"
)

// Emulator is the Liquid OAuth 2.0 service as the sandbox runs it, with
// opts.
func Emulator(opts ...Option) sandbox.Emulator { return emulator(opts) }

type emulator []Option

func (emulator) Provider() string    { return oauth2client.Name }
func (emulator) Path() string        { return "/oauth2" }
func (emulator) Description() string { return "Liquid OAuth 2.0 service" }

func (emulator) PublicInputs() flows.Inputs {
	return flows.Inputs{oauth2client.FieldClientID: DefaultClientID}
}

func (e emulator) Start(cfg sandbox.Config) (*sandbox.Mounted, error) {
	var opts []Option
	if cfg.State != nil {
		f := cfg.State.File("-oauth2.json")
		opts = append(opts, WithPersistence(f.Path, f.Key))
	}
	if cfg.TokenLifetime > 0 {
		opts = append(opts, WithLifetimes(0, cfg.TokenLifetime, 0))
	}
	s := New(append(opts, e...)...)
	id, secret := s.Client()
	return &sandbox.Mounted{Handler: s, Inputs: flows.Inputs{oauth2client.FieldClientID: id, oauth2client.FieldClientSecret: secret}, Scenarios: s.ScenarioShape()}, nil
}

package liquid

import (
	"github.com/qexcompanion/qex-companion/flows"
	liquidclient "github.com/qexcompanion/qex-companion/flows/liquid"
	"github.com/qexcompanion/qex-companion/internal/sandbox"
)

// Emulator is the Liquid exchange API as the sandbox runs it, with opts.
func Emulator(opts ...Option) sandbox.Emulator { return emulator(opts) }

type emulator []Option

func (emulator) Provider() string    { return liquidclient.Name }
func (emulator) Path() string        { return "/liquid" }
func (emulator) Description() string { return "Liquid exchange OAuth requests API" }

func (emulator) PublicInputs() flows.Inputs {
	return flows.Inputs{liquidclient.FieldTokenID: DefaultTokenID}
}

func (e emulator) Start(cfg sandbox.Config) (*sandbox.Mounted, error) {
	var opts []Option
	if cfg.State != nil {
		f := cfg.State.File("-liquid.json")
		opts = append(opts, WithPersistence(f.Path, f.Key))
	}
	if secret := cfg.Chosen[liquidclient.FieldTokenSecret]; secret != "" {
		opts = append(opts, WithToken(DefaultTokenID, secret))
	}
	s := New(append(opts, e...)...)
	id, secret := s.Token()
	return &sandbox.Mounted{Handler: s, Inputs: flows.Inputs{liquidclient.FieldTokenID: id, liquidclient.FieldTokenSecret: secret}, Scenarios: s.ScenarioShape()}, nil
}

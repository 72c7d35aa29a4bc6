package liquidcommerce

import (
	"github.com/qexcompanion/qex-companion/flows"
	commerceclient "github.com/qexcompanion/qex-companion/flows/liquidcommerce"
	"github.com/qexcompanion/qex-companion/internal/sandbox"
)

// Emulator is the LiquidCommerce API as the sandbox runs it, with opts.
func Emulator(opts ...Option) sandbox.Emulator { return emulator(opts) }

type emulator []Option

func (emulator) Provider() string           { return commerceclient.Name }
func (emulator) Path() string               { return "/liquidcommerce" }
func (emulator) Description() string        { return "LiquidCommerce API" }
func (emulator) PublicInputs() flows.Inputs { return flows.Inputs{} } // its one input is secret

func (e emulator) Start(cfg sandbox.Config) (*sandbox.Mounted, error) {
	var opts []Option
	if cfg.State != nil {
		opts = append(opts, WithMasterKey(cfg.State.Key))
	}
	if cfg.TokenLifetime > 0 {
		opts = append(opts, WithTokenLifetime(cfg.TokenLifetime))
	}
	if key := cfg.Chosen[commerceclient.FieldAPIKey]; key != "" {
		opts = append(opts, WithAPIKey(key))
	}
	s := New(append(opts, e...)...)
	return &sandbox.Mounted{Handler: s, Inputs: flows.Inputs{commerceclient.FieldAPIKey: s.APIKey()}, Scenarios: s.ScenarioShape()}, nil
}

package sandbox

import (
	"github.com/qexcompanion/qex-companion/flows/msg"
	"github.com/qexcompanion/qex-companion/internal/sandbox/scenario"
)

// scenarioLimited is an Emulator that says which scenarios cannot happen
// for it; one that does not plays none but the normal one.
type scenarioLimited interface {
	ScenarioLimits() scenario.Limits
}

// InapplicableScenario says why scenario n cannot happen for provider's
// emulator among emulators, or is zero when it can: known before any
// starts.
func InapplicableScenario(emulators []Emulator, provider string, n scenario.Name) msg.Message {
	for _, e := range emulators {
		if e.Provider() != provider {
			continue
		}
		if l, ok := e.(scenarioLimited); ok {
			return l.ScenarioLimits().Inapplicable(n)
		}
		if n != scenario.Normal {
			return msg.ScenarioNonePlayed.New(msg.Args{"Emulator": msg.Detail(e.Description())})
		}
		return msg.Message{}
	}
	return msg.ScenarioNoEmulator.New(msg.Args{"Provider": provider})
}

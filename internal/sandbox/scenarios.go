package sandbox

import "github.com/qexcompanion/qex-companion/internal/sandbox/scenario"

// scenarioLimited is an Emulator that says which scenarios cannot happen
// for it; one that does not plays none but the normal one.
type scenarioLimited interface {
	ScenarioLimits() scenario.Limits
}

// InapplicableScenario says why scenario n cannot happen for provider's
// emulator among emulators, or "" when it can: known before any starts.
func InapplicableScenario(emulators []Emulator, provider string, n scenario.Name) string {
	for _, e := range emulators {
		if e.Provider() != provider {
			continue
		}
		if l, ok := e.(scenarioLimited); ok {
			return l.ScenarioLimits().Inapplicable(n)
		}
		if n != scenario.Normal {
			return "the sandbox's " + e.Description() + " plays no scenarios"
		}
		return ""
	}
	return "the sandbox has no emulator of " + provider
}

package sessions

import (
	"maps"

	"github.com/qexcompanion/qex-companion/flows"
	"github.com/qexcompanion/qex-companion/internal/settings"
)

// LastTarget is the target the window last connected to; ok is false before
// the first connection. A file saved before there were providers names
// only a partner key: the account of the default provider (first).
func LastTarget(s settings.Settings, first flows.ProviderInfo) (t flows.Target, ok bool) {
	if s.Env == "" {
		return flows.Target{}, false
	}
	t = flows.Target{Provider: s.Provider, Env: s.Env, APIBase: s.APIBase, Inputs: flows.Inputs{}, Callback: s.Callback}
	maps.Copy(t.Inputs, s.Inputs)
	if s.Provider == "" && s.PublicAPIKey != "" {
		t.Provider = first.Name
		for _, f := range first.Fields {
			if f.Account {
				t.Inputs[f.Name] = s.PublicAPIKey
			}
		}
	}
	return t, true
}

// RememberTarget keeps t in s for the next launch: its provider,
// environment, API base, callback mode and the inputs that are not secret.
func RememberTarget(s *settings.Settings, t flows.Target, info flows.ProviderInfo) {
	s.Provider, s.Env, s.APIBase, s.Callback, s.PublicAPIKey = t.Provider, t.Env, t.APIBase, t.Callback, ""
	s.Inputs = map[string]string{}
	for _, f := range info.Fields {
		if !f.Secret && t.Inputs[f.Name] != "" {
			s.Inputs[f.Name] = t.Inputs[f.Name]
		}
	}
}

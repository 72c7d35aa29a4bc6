// Package providers is the one list of the authorization systems the app
// speaks: each one's client (a flows.Provider) and the emulator the sandbox
// serves it with. Adding a provider is its client, emulator and result view
// packages, and one line here.
package providers

import (
	"github.com/qexcompanion/qex-companion/flows"
	"github.com/qexcompanion/qex-companion/flows/exchange"
	"github.com/qexcompanion/qex-companion/flows/liquid"
	"github.com/qexcompanion/qex-companion/flows/liquidcommerce"
	"github.com/qexcompanion/qex-companion/flows/oauth2"
	"github.com/qexcompanion/qex-companion/flows/qex"
	"github.com/qexcompanion/qex-companion/internal/sandbox"
	exchangesandbox "github.com/qexcompanion/qex-companion/internal/sandbox/exchange"
	liquidsandbox "github.com/qexcompanion/qex-companion/internal/sandbox/liquid"
	commercesandbox "github.com/qexcompanion/qex-companion/internal/sandbox/liquidcommerce"
	oauth2sandbox "github.com/qexcompanion/qex-companion/internal/sandbox/oauth2"
	qexsandbox "github.com/qexcompanion/qex-companion/internal/sandbox/qex"
)

// Provider is one authorization system: its client and its emulator.
type Provider struct {
	Client   flows.Provider
	Emulator sandbox.Emulator
}

// All are the providers, the default first.
var All = []Provider{
	{qex.Provider{}, qexsandbox.Emulator()},
	{liquid.Provider{}, liquidsandbox.Emulator()},
	{oauth2.Provider{}, oauth2sandbox.Emulator()},
	{liquidcommerce.Provider{}, commercesandbox.Emulator()},
	{exchange.Provider{}, exchangesandbox.Emulator()},
}

// Clients are list's clients, in order.
func Clients(list []Provider) []flows.Provider {
	clients := make([]flows.Provider, len(list))
	for i, p := range list {
		clients[i] = p.Client
	}
	return clients
}

// Emulators are list's emulators, in order.
func Emulators(list []Provider) []sandbox.Emulator {
	emulators := make([]sandbox.Emulator, len(list))
	for i, p := range list {
		emulators[i] = p.Emulator
	}
	return emulators
}

// Infos describe list's clients, in order.
func Infos(list []Provider) []flows.ProviderInfo {
	infos := make([]flows.ProviderInfo, len(list))
	for i, p := range list {
		infos[i] = p.Client.Info()
	}
	return infos
}

// Replace is list with each of emulators in place of the one of the same
// provider (a test's, with a clock it controls).
func Replace(list []Provider, emulators ...sandbox.Emulator) []sandbox.Emulator {
	out := Emulators(list)
	for _, e := range emulators {
		for i := range out {
			if out[i].Provider() == e.Provider() {
				out[i] = e
			}
		}
	}
	return out
}

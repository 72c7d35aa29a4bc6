package ui

import (
	"slices"
	"strings"
	"testing"

	"fyne.io/fyne/v2/test"

	"github.com/qexcompanion/qex-companion/internal/providers/providertest"
)

// A made-up provider added to the one list is offered, with its form, and
// connects and shows its result, with no change to the window.
func TestMadeUpProviderInTheWindow(t *testing.T) {
	providertest.Register(t)
	r := newRig(t)
	var title string
	for _, info := range r.m.connect.providers {
		if info.Name == providertest.Name {
			title = info.Title
		}
	}
	if title == "" || !slices.Contains(r.m.connect.provider.Options, title) {
		t.Fatalf("the provider picker does not offer the made-up provider: %v", r.m.connect.provider.Options)
	}
	r.m.connect.provider.SetSelected(title)
	f := r.m.connect.form()
	if got := f.entries[providertest.FieldAccount]; got == nil || got.Text != providertest.DefaultAccount || got.PlaceHolder == "" {
		t.Errorf("its account field is not the sandbox's, with a placeholder: %+v", got)
	}
	if r.m.connect.button.Text != "Connect with "+providertest.Brand || r.m.stepLabel.Text != "Step 1 of 3 · Connect" {
		t.Errorf("button %q, step %q", r.m.connect.button.Text, r.m.stepLabel.Text)
	}
	test.Tap(r.m.connect.button)
	r.waitStep("Profile and balances")
	found := false
	for row := range r.m.balances.shown {
		if strings.TrimSpace(tableCell(r.m.balances, row, colBalance)) == "12.34" {
			found = true
		}
	}
	if !found {
		t.Error("its balance 12.34 is not shown")
	}
}

package ui

import (
	"strings"
	"testing"

	"fyne.io/fyne/v2/test"

	"github.com/qexcompanion/qex-companion/flows"
	"github.com/qexcompanion/qex-companion/flows/msg"
	"github.com/qexcompanion/qex-companion/internal/providers"
	"github.com/qexcompanion/qex-companion/internal/sandbox"
	"github.com/qexcompanion/qex-companion/internal/sandbox/scenario"
	"github.com/qexcompanion/qex-companion/internal/untranslated"
)

// newScenarioRig is a window whose Connect step picks the sandbox's
// scenario.
func newScenarioRig(t *testing.T) *rig {
	var r *rig
	r = newRig(t, func(_ *flows.EngineConfig, o *Options) {
		s := &SandboxScenarios{Names: scenario.Names(), Summaries: map[string]string{},
			Set: func(name string) { r.sb.Scenarios().Set(scenario.Name(name)) },
			Inapplicable: func(provider, name string) msg.Message {
				return sandbox.InapplicableScenario(providers.Emulators(providers.All), provider, scenario.Name(name))
			}}
		for _, sc := range scenario.All {
			s.Summaries[string(sc.Name)] = sc.Summary
		}
		o.Scenarios = s
	})
	return r
}

// The picker shows for the sandbox only, says what the scenario does, and
// the badge names it; one that cannot happen for the provider says why and
// is not started.
func TestScenarioPicker(t *testing.T) {
	r := newScenarioRig(t)
	p := r.m.connect.scenarios
	if p.row.Hidden || p.choice.Selected != "normal" || r.m.badge.Text() != "SANDBOX" {
		t.Fatalf("at start: hidden %v, chosen %q, badge %q", p.row.Hidden, p.choice.Selected, r.m.badge.Text())
	}
	p.choice.SetSelected("rate-limited")
	if r.sb.Scenarios().Active() != scenario.RateLimited || r.m.badge.Text() != "SANDBOX · rate-limited" ||
		p.summary.Text != "The first 2 calls after approval answer 429 with Retry-After: 1." {
		t.Errorf("sandbox %q, badge %q, summary %q", r.sb.Scenarios().Active(), r.m.badge.Text(), p.summary.Text)
	}
	r.m.connect.provider.SetSelected("Liquid OAuth 2.0 service")
	if !strings.HasPrefix(p.summary.Text, "It does not apply to this provider: the Liquid OAuth 2.0 documents") {
		t.Errorf("summary for oauth2 %q", p.summary.Text)
	}
	test.Tap(r.m.connect.button)
	if !r.m.connect.errLabel.Visible() || !strings.Contains(r.m.connect.errLabel.Text, "does not apply to this provider") || r.m.conn != nil {
		t.Errorf("an inapplicable scenario started: error %q", r.m.connect.errLabel.Text)
	}
	r.m.connect.env.SetSelected("Production")
	if !p.row.Hidden || r.m.badge.Text() != "PRODUCTION" {
		t.Errorf("on production: picker hidden %v, badge %q", p.row.Hidden, r.m.badge.Text())
	}
	// --api-base with the sandbox's keys: another server, whose scenarios
	// the picker cannot choose.
	r.m.connect.setTarget(flows.Target{Provider: "qex", Env: flows.EnvSandbox, APIBase: "http://127.0.0.1:1"})
	if !p.row.Hidden || r.m.badge.Text() != "SANDBOX" {
		t.Errorf("with an API base: picker hidden %v, badge %q", p.row.Hidden, r.m.badge.Text())
	}
}

// In Japanese, every provider's picker says in Japanese what each scenario
// does or why it cannot happen there: the emulators' reasons are messages,
// rendered in the window's language, not English sentences they made.
func TestScenarioPickerSpeaksJapanese(t *testing.T) {
	useJapanese(t)
	r := newScenarioRig(t)
	p := r.m.connect.scenarios
	inapplicable := 0
	for _, provider := range r.m.connect.provider.Options {
		r.m.connect.provider.SetSelected(provider)
		for _, name := range scenario.Names() {
			p.choice.SetSelected(name)
			if english := untranslated.Find(p.summary.Text); english != "" {
				t.Errorf("%s, %s: the picker says %q in English: %q", provider, name, english, p.summary.Text)
			}
			if strings.HasPrefix(p.summary.Text, "このプロバイダーには当てはまりません") {
				inapplicable++
			}
		}
	}
	if inapplicable < 4 {
		t.Errorf("only %d provider–scenario pairs said they do not apply", inapplicable)
	}
	test.Tap(r.m.connect.button)
	if english := untranslated.Find(r.m.connect.errLabel.Text); !r.m.connect.errLabel.Visible() || english != "" {
		t.Errorf("starting an inapplicable scenario says %q (English: %q)", r.m.connect.errLabel.Text, english)
	}
}

// slow: the Connect step shows the wait going on, and Cancel stops it
// before the sandbox answers.
func TestScenarioSlowCancel(t *testing.T) {
	r := newScenarioRig(t)
	r.m.connect.scenarios.choice.SetSelected("slow")
	test.Tap(r.m.connect.button)
	c := r.m.connect
	if !c.cancel.Visible() || !c.waiting.Visible() || !strings.HasPrefix(c.waiting.Text, "Connecting to the embedded sandbox… 0:0") {
		t.Fatalf("while waiting: cancel shown %v, %q", c.cancel.Visible(), c.waiting.Text)
	}
	test.Tap(c.cancel)
	// The call the sandbox was still holding ends without an answer.
	r.ui.waitFor(t, "the cancelled call in the Inspector", func() bool {
		ex := r.m.inspector.exchanges
		return len(ex) == 1 && ex[0].Path == "/api/v1/session" && ex[0].Status == 0 && ex[0].Err != ""
	})
	if c.cancel.Visible() || c.waiting.Visible() || c.button.Disabled() || !r.stepIs("Connect")() || len(r.user.urls) != 0 {
		t.Errorf("after Cancel: cancel %v, waiting %v, Connect disabled %v, step %q", c.cancel.Visible(), c.waiting.Visible(), c.button.Disabled(), r.m.stepLabel.Text)
	}
}

// expired-token: the OAuth 2.0 token is refused at once; the window shows
// the refresh grant in the Inspector, then the result.
func TestScenarioExpiredTokenRefreshes(t *testing.T) {
	r := newScenarioRig(t)
	r.m.connect.scenarios.choice.SetSelected("expired-token")
	r.m.connect.provider.SetSelected("Liquid OAuth 2.0 service")
	test.Tap(r.m.connect.button)
	r.waitStep("Approve")
	r.user.answer(t, "approve")
	r.waitStep("Access")
	var seen []string
	for _, ex := range r.m.inspector.exchanges {
		call := ex.Method + " " + ex.Path + " " + itoa(ex.Status)
		if strings.Contains(ex.RequestBody, "grant_type=refresh_token") {
			call += " (refresh grant)"
		}
		seen = append(seen, call)
	}
	want := "POST /oauth2/oauth/token 200, POST /oauth2/oauth/token/introspect 401, POST /oauth2/oauth/token 200 (refresh grant), POST /oauth2/oauth/token/introspect 200"
	if strings.Join(seen, ", ") != want {
		t.Errorf("the Inspector shows\n%s\nwant\n%s", strings.Join(seen, ", "), want)
	}
}

// rate-limited: the window says the server asked to wait, and gets there.
func TestScenarioRateLimitedSaysItWaits(t *testing.T) {
	r := newScenarioRig(t)
	r.m.connect.scenarios.choice.SetSelected("rate-limited")
	r.m.connect.provider.SetSelected("LiquidCommerce API")
	test.Tap(r.m.connect.button)
	r.ui.waitFor(t, "the wait said", func() bool {
		return r.m.connect.infoL.Visible() && strings.HasPrefix(r.m.connect.infoL.Text, "The server asked to wait (authenticate with the API key failed: the server answered HTTP 429") &&
			strings.HasSuffix(r.m.connect.infoL.Text, "; trying again in 1s.")
	})
	r.waitStep("Access")
}

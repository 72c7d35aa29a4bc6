package msg

import (
	"context"
	"errors"
	"regexp"
	"strings"
	"testing"
)

var field = regexp.MustCompile(`\.(\w+)`)

// Every kind's English template fills in with its own parameters: a
// template that names one the code never gives fails here, not in front
// of a user (missingkey=error).
func TestEveryKindRendersInEnglish(t *testing.T) {
	kinds := Kinds()
	if len(kinds) < 100 {
		t.Fatalf("only %d kinds in the catalogue", len(kinds))
	}
	for _, k := range kinds {
		args := Args{}
		for _, m := range field.FindAllStringSubmatch(k.English(), -1) {
			args[m[1]] = "<" + m[1] + ">"
		}
		got := English.Execute(k, map[string]any(args))
		if strings.Contains(got, k.id) || strings.Contains(got, "{{") {
			t.Errorf("%s does not render: %q", k.ID(), got)
		}
	}
}

// An error made of a message keeps its causes for errors.Is and errors.As,
// and its text is the English of the message, nested messages included.
func TestErrorsWrapTheirCauses(t *testing.T) {
	cause := CallRefused.Err(Args{"Call": Call("create session"), "Host": "127.0.0.1:1", "Setting": SettingAPIBase}, context.DeadlineExceeded)
	err := TimedOutAfter.Err(Args{"After": "1s", "Err": cause}, errors.ErrUnsupported, cause)
	if !errors.Is(err, context.DeadlineExceeded) || !errors.Is(err, errors.ErrUnsupported) {
		t.Errorf("the causes are lost: %v", err)
	}
	want := "timed out after 1s: create session failed: nothing answers at 127.0.0.1:1 (connection refused); check the API base URL, or start the server"
	if err.Error() != want {
		t.Errorf("got  %q\nwant %q", err.Error(), want)
	}
	if m, ok := Of(err); !ok || m.Kind != TimedOutAfter {
		t.Errorf("Of found %v, %t", m.Kind, ok)
	}
}

// A wrapper that adds no words shows its cause's message; one that adds
// words is its own text, which Of does not claim to know.
func TestOfLooksThroughSilentWrappers(t *testing.T) {
	inner := NotApprovedYet.Err(nil)
	if _, ok := Of(&wrapped{&wrapped{inner}}); !ok {
		t.Error("Of does not look through a wrapper that adds no words")
	}
	if _, ok := Of(errors.Join(errors.New("a sentence of its own"), inner)); ok {
		t.Error("Of claims a message for an error that says more than it")
	}
	if got := FromError(errors.New("disk full")).String(); got != "disk full" {
		t.Errorf("a foreign error renders as %q", got)
	}
}

type wrapped struct{ err error }

func (w *wrapped) Error() string { return w.err.Error() }
func (w *wrapped) Unwrap() error { return w.err }

// A Said parameter is rendered as the server sent it, and a translation
// decides how to mark it; Detail goes through the renderer's Foreign.
func TestSaidAndDetail(t *testing.T) {
	m := ServerSays.New(Args{"Said": Said("Not approved: {{.X}}")})
	if got := m.String(); got != "server: Not approved: {{.X}}" {
		t.Errorf("got %q", got)
	}
	r := marking{}
	if got := Foreign.New(Args{"Text": Detail("open x: denied")}).Render(r); got != "[open x: denied]" {
		t.Errorf("a detail renders as %q", got)
	}
}

type marking struct{}

func (marking) Execute(k Kind, args map[string]any) string { return English.Execute(k, args) }
func (marking) Foreign(text string) string                 { return "[" + text + "]" }

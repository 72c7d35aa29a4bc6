package ui

import (
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
	"github.com/qexcompanion/qex-companion/flows"
)

// On a phone-sized window the balances are rows of their own, each amount
// whole — never cut as the table's columns would — and the table is gone;
// wide again, the table is back.
func TestPhoneBalancesNeverCutAnAmount(t *testing.T) {
	r := newRig(t)
	test.Tap(r.m.connect.button)
	r.waitStep("Approve")
	r.user.answer(t, "approve")
	r.waitStep("Balances")
	b := r.m.balances
	r.m.win.Resize(fyne.NewSize(360, 740))
	r.m.win.Content().Refresh()
	test.WidgetRenderer(b.narrow).Layout(b.narrow.Size())
	if b.table.Visible() || !b.phone.Visible() {
		t.Fatalf("at 360 wide: table visible %v, list visible %v", b.table.Visible(), b.phone.Visible())
	}
	var shown []string
	for i := range b.shown { // the list draws only what is in view: scroll to each row
		b.narrow.ScrollTo(i)
		walk(b.narrow, func(o fyne.CanvasObject) {
			if l, ok := o.(*widget.Label); ok && l.Visible() {
				if l.Truncation != fyne.TextTruncateOff {
					t.Errorf("label %q may be cut", l.Text)
				}
				shown = append(shown, l.Text)
			}
		})
	}
	all := strings.Join(shown, "\n")
	for _, amount := range []string{"0.06", "12.345678901234567891", "0.000000000000000001", "98765432.10"} {
		if !strings.Contains(all, amount) {
			t.Errorf("the phone list lacks %s:\n%s", amount, all)
		}
	}
	for i := range b.shown {
		if h := b.narrowHeight(i, 360); h < 3*fyne.MeasureText("0", 14, fyne.TextStyle{Monospace: true}).Height {
			t.Errorf("row %d is %.0f high: too short for its three lines", i, h)
		}
	}
	r.m.win.Resize(fyne.NewSize(1024, 700))
	r.m.win.Content().Refresh()
	if !b.table.Visible() || b.phone.Visible() {
		t.Errorf("at 1024 wide: table visible %v, list visible %v", b.table.Visible(), b.phone.Visible())
	}
}

// A filter that matches nothing says so and how to get the rows back; the
// tab names the step it shows; a small saved window size is restored.
func TestEmptyFilterTabNameAndSmallWindow(t *testing.T) {
	r := newRig(t, func(_ *flows.EngineConfig, o *Options) { o.WindowSize = fyne.NewSize(307, 250) })
	if s := r.m.win.Canvas().Size(); s.Width != 307 || s.Height != 250 {
		t.Errorf("window opened at %v, not the saved 307×250", s)
	}
	test.Tap(r.m.connect.button)
	r.waitStep("Approve")
	if r.m.tabs.Items[0].Text != "Approve" {
		t.Errorf("tab %q during approval", r.m.tabs.Items[0].Text)
	}
	r.user.answer(t, "approve")
	r.waitStep("Balances")
	setText(r.m.balances.filter, "zzz")
	if got := r.m.balances.count.Text; !strings.HasPrefix(got, `No accounts match "zzz": clear the filter`) {
		t.Errorf("count %q", got)
	}
}

// A profile's facts line up as one form: two columns of pairs on a wide
// window, one on a phone, the values starting at the same x in a column,
// and a long value wrapping onto more lines instead of widening the window.
func TestFactGridLinesUpValues(t *testing.T) {
	test.NewTempApp(t)
	width := float32(1024)
	grid := &factGrid{breakpoint: 600, windowWidth: func() float32 { return width }}
	var pairs []fyne.CanvasObject
	for _, f := range [][2]string{{"Name", "Hanako"}, {"Email", "hanako.yamada@sandbox.liquid.test"}, {"Proof of address", "yes"}, {"User id", "1111"}} {
		value := widget.NewLabel(f[1])
		value.Wrapping = fyne.TextWrapWord
		pairs = append(pairs, widget.NewLabel(f[0]), value)
	}
	box := container.New(grid, pairs...)
	for _, c := range []struct {
		width   float32
		columns int
	}{{1024, 2}, {340, 1}} {
		width = c.width
		box.Resize(fyne.NewSize(c.width, box.MinSize().Height))
		xs := map[float32]bool{}
		for i := 1; i < len(pairs); i += 2 {
			xs[pairs[i].Position().X] = true
			if pairs[i].Position().X+pairs[i].Size().Width > c.width+1 {
				t.Errorf("at %g: %q reaches past the edge", c.width, pairs[i].(*widget.Label).Text)
			}
		}
		if len(xs) != c.columns {
			t.Errorf("at %g: values start at %v, want %d columns", c.width, xs, c.columns)
		}
		if min := box.MinSize().Width; min > c.width {
			t.Errorf("at %g: the grid needs %g", c.width, min)
		}
	}
	email := pairs[3]
	if email.Size().Height <= pairs[1].Size().Height {
		t.Errorf("at 340 the email takes %g, one line %g: it did not wrap", email.Size().Height, pairs[1].Size().Height)
	}
}

// The countdown's sentence keeps its button right after it while both fit
// on one line, and puts it below, the sentence wrapped, when they do not.
func TestSentenceAndButtonStackWhenNarrow(t *testing.T) {
	test.NewTempApp(t)
	sentence := widget.NewLabel("The access token expires in 3h59m45s (at 06:23:19).")
	sentence.Wrapping = fyne.TextWrapWord
	button := widget.NewButton("Refresh token now", nil)
	row := newBesideOrBelow(sentence, button)
	for _, width := range []float32{1024, 300} {
		row.Resize(fyne.NewSize(width, row.MinSize().Height))
		row.Resize(fyne.NewSize(width, row.MinSize().Height)) // measured at its new width
		beside := button.Position().Y < sentence.Size().Height
		switch {
		case width == 1024 && (!beside || button.Position().X > sentence.Size().Width+theme.Padding()+1):
			t.Errorf("at %g: the button is at %v, not right after the sentence (%v)", width, button.Position(), sentence.Size())
		case width == 300 && (beside || row.MinSize().Width > width || sentence.Size().Width > width):
			t.Errorf("at %g: the button at %v, the sentence %v, the row needs %v", width, button.Position(), sentence.Size(), row.MinSize())
		}
		if row.MinSize().Height < button.Position().Y+button.Size().Height {
			t.Errorf("at %g: the row asks for %g, the button ends at %g", width, row.MinSize().Height, button.Position().Y+button.Size().Height)
		}
	}
}

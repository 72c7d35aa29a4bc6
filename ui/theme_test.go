package ui

import (
	"image/color"
	"math"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// variantTheme shows a theme in one variant at one text size.
type variantTheme struct {
	fyne.Theme
	variant  fyne.ThemeVariant
	textSize float32
}

func (t variantTheme) Color(n fyne.ThemeColorName, _ fyne.ThemeVariant) color.Color {
	return t.Theme.Color(n, t.variant)
}

func (t variantTheme) Size(n fyne.ThemeSizeName) float32 {
	if n == theme.SizeNameText && t.textSize > 0 {
		return t.textSize
	}
	return t.Theme.Size(n)
}

// relativeLuminance is WCAG 2's relative luminance of c.
func relativeLuminance(c color.Color) float64 {
	r, g, b, _ := c.RGBA()
	lin := func(x uint32) float64 {
		v := float64(x) / 0xffff
		if v <= 0.04045 {
			return v / 12.92
		}
		return math.Pow((v+0.055)/1.055, 2.4)
	}
	return 0.2126*lin(r) + 0.7152*lin(g) + 0.0722*lin(b)
}

// contrastRatio is WCAG 2's contrast ratio between two colours (1 to 21).
func contrastRatio(a, b color.Color) float64 {
	x, y := relativeLuminance(a), relativeLuminance(b)
	if x < y {
		x, y = y, x
	}
	return (x + 0.05) / (y + 0.05)
}

// underscoreInk renders lines of underscores in a monospace label, as the
// JSON views show text, and returns the strongest ink of any pixel: 0 is
// the background, 1 the full text colour.
func underscoreInk(t *testing.T, th fyne.Theme) float64 {
	t.Helper()
	a := test.NewTempApp(t)
	a.Settings().SetTheme(th)
	l := widget.NewLabel("__________\n__________\n__________")
	l.TextStyle = fyne.TextStyle{Monospace: true}
	w := test.NewWindow(l)
	defer w.Close()
	w.Resize(fyne.NewSize(200, 120))
	img := w.Canvas().Capture()
	bg := relativeLuminance(th.Color(theme.ColorNameBackground, theme.VariantLight))
	fg := relativeLuminance(th.Color(theme.ColorNameForeground, theme.VariantLight))
	most := 0.0
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			most = max(most, (relativeLuminance(img.At(x, y))-bg)/(fg-bg))
		}
	}
	return most
}

// TestMonospaceUnderscoresAreVisible: "public_api_key" must not read as
// "public api key" in the JSON views, at the default text size and the
// sizes around it (where Fyne's own font lost the underscore altogether).
func TestMonospaceUnderscoresAreVisible(t *testing.T) {
	for _, size := range []float32{13, 14, 15, 16} {
		ink := underscoreInk(t, variantTheme{Theme(), theme.VariantLight, size})
		t.Logf("text size %v: underscore ink %.2f (Fyne's theme: %.2f)", size, ink,
			underscoreInk(t, variantTheme{theme.DefaultTheme(), theme.VariantLight, size}))
		if ink < 0.7 {
			t.Errorf("text size %v: the underscores' darkest pixel has %.0f%% of the text colour; want at least 70%%", size, 100*ink)
		}
	}
}

// TestFocusedButtonIsVisible: tabbing onto a button must change how it
// looks, plainly, in both themes and for normal and primary buttons, while
// the label stays readable (WCAG's 4.5:1).
func TestFocusedButtonIsVisible(t *testing.T) {
	for _, v := range []fyne.ThemeVariant{theme.VariantLight, theme.VariantDark} {
		for _, imp := range []widget.Importance{widget.MediumImportance, widget.HighImportance} {
			th := variantTheme{Theme: Theme(), variant: v}
			plain, focused := buttonBackground(t, th, imp, false), buttonBackground(t, th, imp, true)
			label := th.Color(theme.ColorNameForeground, v)
			if imp == widget.HighImportance {
				label = th.Color(theme.ColorNameForegroundOnPrimary, v)
			}
			diff, readable := contrastRatio(plain, focused), contrastRatio(label, focused)
			t.Logf("variant %d importance %d: %v → %v focused, contrast %.2f; label %.2f", v, imp, plain, focused, diff, readable)
			if diff < 1.25 {
				t.Errorf("variant %d importance %d: focused %v vs %v, contrast %.2f; want ≥ 1.25", v, imp, focused, plain, diff)
			}
			if readable < 4.5 {
				t.Errorf("variant %d importance %d: label on the focused button has contrast %.2f; want ≥ 4.5", v, imp, readable)
			}
		}
	}
}

// buttonBackground is the colour of a button's face, left of its label,
// focused or not.
func buttonBackground(t *testing.T, th fyne.Theme, imp widget.Importance, focus bool) color.Color {
	t.Helper()
	a := test.NewTempApp(t)
	a.Settings().SetTheme(th)
	b := widget.NewButton("Connect", nil)
	b.Importance = imp
	w := test.NewWindow(b)
	defer w.Close()
	w.Resize(fyne.NewSize(200, 60))
	if focus {
		w.Canvas().Focus(b)
	}
	img := w.Canvas().Capture()
	pos := fyne.CurrentApp().Driver().AbsolutePositionForObject(b)
	return img.At(int(pos.X)+10, int(pos.Y+b.Size().Height/2))
}

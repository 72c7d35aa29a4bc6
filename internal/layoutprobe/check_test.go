package layoutprobe

import (
	"reflect"
	"testing"

	"fyne.io/fyne/v2"
)

func text(s string, x, y, w, h, minW float32) Object {
	return Object{Type: "*canvas.Text", Text: s, Rect: Rect{x, y, w, h}, Min: fyne.NewSize(minW, h)}
}

func kinds(problems []Problem) []string {
	var out []string
	for _, p := range problems {
		out = append(out, p.Kind)
	}
	return out
}

func TestCheck(t *testing.T) {
	clip := &Rect{0, 100, 360, 100} // a scroll container's viewport
	inView := text("0.00726", 10, 120, 80, 20, 60)
	inView.Clip = clip
	scrolledAway := text("12.5", 10, 20, 80, 20, 60) // above the viewport
	scrolledAway.Clip = clip
	under := text("Environment", 10, 130, 100, 20, 90) // over inView's ink
	under.Clip = clip
	centred := text("Balance", 0, 300, 360, 20, 60) // ink from 150 to 210
	centred.Align = fyne.TextAlignCenter

	for name, c := range map[string]struct {
		objects []Object
		want    []string
	}{
		"side by side":              {[]Object{text("Currency", 0, 0, 100, 20, 80), text("Amount", 100, 0, 100, 20, 80)}, nil},
		"touching lines":            {[]Object{text("line 1", 0, 0, 100, 20, 80), text("line 2", 0, 20.5, 100, 20, 80)}, nil},
		"one over another":          {[]Object{inView, under}, []string{Overlap}},
		"hidden by scrolling":       {[]Object{inView, scrolledAway}, nil},
		"boxes overlap, ink not":    {[]Object{centred, text("Sort", 0, 300, 100, 20, 40)}, nil},
		"ink overlaps when centred": {[]Object{centred, text("Sort", 160, 300, 100, 20, 40)}, []string{Overlap}},
		"ellipsis on a number":      {[]Object{text("0.0072…", 0, 0, 100, 20, 80)}, []string{Truncated}},
		"ellipsis on words":         {[]Object{text("Approval li…", 0, 0, 100, 20, 80)}, nil},
		"number given too little":   {[]Object{text("12.345678901234567890", 0, 0, 100, 20, 180)}, []string{Truncated}},
		"past the right edge":       {[]Object{text("Sign out", 320, 0, 100, 20, 80)}, []string{PastEdge}},
		"past the bottom":           {[]Object{{Type: "*canvas.Rectangle", Rect: Rect{0, 700, 360, 80}}}, []string{PastEdge}},
		"scrolled past the bottom":  {[]Object{{Type: "*canvas.Rectangle", Rect: Rect{0, 700, 360, 80}, Clip: clip}}, nil},
		"a container past the edge": {[]Object{{Type: "*fyne.Container", Rect: Rect{0, 0, 500, 20}}}, nil},
		"other layers":              {[]Object{inView, func() Object { o := under; o.Layer = 1; return o }()}, nil},
		"a lone 。 wrapped":          {[]Object{text("再開しました", 0, 0, 100, 20, 90), text("。", 0, 20, 100, 20, 14)}, []string{Kinsoku}},
		"a quote wrapped whole":     {[]Object{text("サーバーの応答：", 0, 0, 100, 20, 90), text("「Not found」", 0, 20, 100, 20, 80)}, nil},
	} {
		w := Window{Canvas: fyne.NewSize(360, 740), Objects: c.objects}
		if got := kinds(Check(w)); !reflect.DeepEqual(got, c.want) {
			t.Errorf("%s: got %v, want %v (%v)", name, got, c.want, Check(w))
		}
	}
}

func TestProblemNamesTextsAndRects(t *testing.T) {
	p := Problem{Kind: Overlap, Texts: []string{"a", "b"}, Rects: []Rect{{1, 2, 3, 4}, {5, 6, 7, 8}}}
	if got, want := p.String(), `texts overlap: "a" at (1,2 3×4) and "b" at (5,6 7×8)`; got != want {
		t.Errorf("got %s, want %s", got, want)
	}
}

package layoutprobe

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"fyne.io/fyne/v2"
)

// Problem is something in a window a user would notice.
type Problem struct {
	Kind  string   // Overlap, Truncated, PastEdge or Kinsoku
	Texts []string // the texts (or, past the edge, the object's type) involved
	Rects []Rect   // where they are drawn, one per text
}

// The kinds of Problem.
const (
	Overlap   = "texts overlap"
	Truncated = "a number is cut short"
	PastEdge  = "drawn past the window's edge"
	Kinsoku   = "a line starts with closing punctuation"
)

// closing is Japanese punctuation that never starts a line (kinsoku): a
// wrapped line that starts with one has it cut from the word it ends.
const closing = "。、，．・：；？！」』）］｝〕〉》】"

func (p Problem) String() string {
	parts := make([]string, len(p.Texts))
	for i, text := range p.Texts {
		parts[i] = fmt.Sprintf("%q at %v", text, p.Rects[i])
	}
	return p.Kind + ": " + strings.Join(parts, " and ")
}

// slack absorbs rounding to pixels: a text's box may touch its neighbour's.
const slack = 1

// Check finds in w texts that overlap one another, texts holding a number
// that are cut short (ending in "…", or given less width than they need),
// lines that start with closing punctuation, and anything visible drawn
// past the canvas's right or bottom edge.
// Texts scrolled out of view do not count.
func Check(w Window) []Problem {
	var problems []Problem
	canvas := Rect{0, 0, w.Canvas.Width, w.Canvas.Height}
	type shown struct {
		o    Object
		seen Rect // the part of its ink inside its scroll containers and the canvas
	}
	var texts []shown
	for _, o := range w.Objects {
		drawn := drawnRect(o)
		if o.Clip != nil {
			drawn = drawn.Intersect(*o.Clip)
		}
		if drawn.W <= 0 || drawn.H <= 0 {
			continue
		}
		if drawn.X+drawn.W > canvas.W+slack || drawn.Y+drawn.H > canvas.H+slack {
			problems = append(problems, Problem{Kind: PastEdge, Texts: []string{describe(o)}, Rects: []Rect{drawn}})
		}
		if o.Type != "*canvas.Text" || strings.TrimSpace(o.Text) == "" {
			continue
		}
		seen := drawn.Intersect(canvas)
		if seen.W <= 0 || seen.H <= 0 {
			continue
		}
		if first, _ := utf8.DecodeRuneInString(o.Text); strings.ContainsRune(closing, first) {
			problems = append(problems, Problem{Kind: Kinsoku, Texts: []string{o.Text}, Rects: []Rect{o.Rect}})
		}
		if strings.ContainsFunc(o.Text, unicode.IsDigit) &&
			(strings.HasSuffix(o.Text, "…") || o.Min.Width > o.Rect.W+slack) {
			problems = append(problems, Problem{Kind: Truncated, Texts: []string{o.Text}, Rects: []Rect{o.Rect}})
		}
		for _, other := range texts {
			both := seen.Intersect(other.seen)
			if other.o.Layer == o.Layer && both.W > slack && both.H > slack {
				problems = append(problems, Problem{Kind: Overlap, Texts: []string{other.o.Text, o.Text}, Rects: []Rect{other.seen, seen}})
			}
		}
		texts = append(texts, shown{o, seen})
	}
	return problems
}

// drawnRect is where o is painted: a text's ink is its MinSize, aligned in
// its box and centred vertically as Fyne's painter places it; anything else
// fills its box. Containers and widgets draw nothing themselves.
func drawnRect(o Object) Rect {
	if !strings.HasPrefix(o.Type, "*canvas.") {
		return Rect{}
	}
	if o.Type != "*canvas.Text" {
		return o.Rect
	}
	if strings.TrimSpace(o.Text) == "" {
		return Rect{}
	}
	r := Rect{o.Rect.X, o.Rect.Y, o.Min.Width, o.Min.Height}
	switch o.Align {
	case fyne.TextAlignCenter:
		r.X += (o.Rect.W - o.Min.Width) / 2
	case fyne.TextAlignTrailing:
		r.X += o.Rect.W - o.Min.Width
	}
	if o.Rect.H > o.Min.Height {
		r.Y += (o.Rect.H - o.Min.Height) / 2
	}
	return r
}

func describe(o Object) string {
	if o.Text != "" {
		return o.Text
	}
	return o.Type
}

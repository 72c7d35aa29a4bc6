package ui

import (
	"image/color"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/qexcompanion/qex-companion/flows"
)

// rowOrStack lays its objects out side by side when the window is at least
// breakpoint wide, and stacked otherwise, so each step stays usable on a
// phone-sized window. Side by side, the object at index grow takes the width
// the others leave (evenSplit: they share it equally). The window's width,
// not the container's, decides, so that MinSize and Layout always agree.
type rowOrStack struct {
	breakpoint  float32
	grow        int
	windowWidth func() float32
}

// evenSplit, as rowOrStack's grow, gives every object the same width.
const evenSplit = -1

func (m *MainWindow) newRowOrStack(breakpoint float32, grow int, objects ...fyne.CanvasObject) *fyne.Container {
	return container.New(&rowOrStack{breakpoint: breakpoint, grow: grow, windowWidth: m.width}, objects...)
}

func (r *rowOrStack) wide() bool { return r.windowWidth() >= r.breakpoint }

func (r *rowOrStack) Layout(objects []fyne.CanvasObject, size fyne.Size) {
	pad := theme.Padding()
	visible := visibleObjects(objects)
	if !r.wide() {
		y := float32(0)
		for _, o := range visible {
			h := minHeightAt(o, size.Width)
			o.Move(fyne.NewPos(0, y))
			o.Resize(fyne.NewSize(size.Width, h))
			y += h + pad
		}
		return
	}
	extra := size.Width - r.MinSize(objects).Width
	x := float32(0)
	for _, o := range visible {
		w := o.MinSize().Width
		switch {
		case r.grow == evenSplit:
			w = (size.Width - pad*float32(len(visible)-1)) / float32(len(visible))
		case o == objects[r.grow]: // by its place among all, shown or not
			w += max(extra, 0)
		}
		o.Move(fyne.NewPos(x, 0))
		o.Resize(fyne.NewSize(w, size.Height))
		x += w + pad
	}
}

func (r *rowOrStack) MinSize(objects []fyne.CanvasObject) fyne.Size {
	pad := theme.Padding()
	visible := visibleObjects(objects)
	var s fyne.Size
	for i, o := range visible {
		min := o.MinSize()
		if r.wide() {
			s.Width += min.Width
			s.Height = max(s.Height, min.Height)
			if i > 0 {
				s.Width += pad
			}
		} else {
			s.Width = max(s.Width, min.Width)
			s.Height += min.Height
			if i > 0 {
				s.Height += pad
			}
		}
	}
	return s
}

// besideOrBelow lays out a sentence (a wrapping label) and a button: the
// button right after the sentence's text when both fit in one line of the
// width they get, and below the wrapped sentence otherwise (a phone). It
// decides by the width of its last layout, so a resize reflows it.
type besideOrBelow struct{ width float32 }

func newBesideOrBelow(sentence *widget.Label, button fyne.CanvasObject) *fyne.Container {
	return container.New(&besideOrBelow{}, sentence, button)
}

// textWidth is the width the sentence takes on one line.
func (b *besideOrBelow) textWidth(objects []fyne.CanvasObject) float32 {
	l := objects[0].(*widget.Label)
	return fyne.MeasureText(l.Text, theme.TextSize(), l.TextStyle).Width + 2*theme.InnerPadding()
}

func (b *besideOrBelow) beside(objects []fyne.CanvasObject, width float32) bool {
	return b.textWidth(objects)+theme.Padding()+objects[1].MinSize().Width <= width
}

func (b *besideOrBelow) Layout(objects []fyne.CanvasObject, size fyne.Size) {
	b.width = size.Width
	sentence, button := objects[0], objects[1]
	if b.beside(objects, size.Width) {
		w := b.textWidth(objects)
		h := max(sentence.MinSize().Height, button.MinSize().Height)
		sentence.Move(fyne.NewPos(0, 0))
		sentence.Resize(fyne.NewSize(w, h))
		button.Move(fyne.NewPos(w+theme.Padding(), (h-button.MinSize().Height)/2))
		button.Resize(button.MinSize())
		return
	}
	h := minHeightAt(sentence, size.Width)
	sentence.Move(fyne.NewPos(0, 0))
	sentence.Resize(fyne.NewSize(size.Width, h))
	button.Move(fyne.NewPos(0, h+theme.Padding()))
	button.Resize(button.MinSize())
}

func (b *besideOrBelow) MinSize(objects []fyne.CanvasObject) fyne.Size {
	sentence, button := objects[0], objects[1]
	w := max(sentence.MinSize().Width, button.MinSize().Width)
	if b.width > 0 && b.beside(objects, b.width) {
		return fyne.NewSize(w, max(sentence.MinSize().Height, button.MinSize().Height))
	}
	return fyne.NewSize(w, minHeightAt(sentence, max(b.width, w))+theme.Padding()+button.MinSize().Height)
}

// factGrid lays out label/value pairs as a form: two columns of pairs on a
// window at least breakpoint wide, one otherwise. The labels share one
// width, so the values line up in either, and each row is as tall as its
// value needs at the width it gets (values wrap).
type factGrid struct {
	breakpoint  float32
	windowWidth func() float32
}

func (m *MainWindow) newFactGrid(breakpoint float32, pairs ...fyne.CanvasObject) *fyne.Container {
	return container.New(&factGrid{breakpoint: breakpoint, windowWidth: m.width}, pairs...)
}

func (g *factGrid) columns(pairs int) int {
	if pairs > 1 && g.windowWidth() >= g.breakpoint {
		return 2
	}
	return 1
}

// place lays the pairs out at width (when lay) and returns the height they
// take.
func (g *factGrid) place(objects []fyne.CanvasObject, width float32, lay bool) float32 {
	pad := theme.Padding()
	pairs := len(objects) / 2
	if pairs == 0 {
		return 0
	}
	cols := g.columns(pairs)
	perColumn := (pairs + cols - 1) / cols
	var labelW float32
	for i := 0; i < pairs; i++ {
		labelW = max(labelW, objects[2*i].MinSize().Width)
	}
	colW := (width - pad*float32(cols-1)) / float32(cols)
	valueW := max(colW-labelW-pad, 1)
	var tallest float32
	for col := 0; col < cols; col++ {
		x, y := float32(col)*(colW+pad), float32(0)
		for i := col * perColumn; i < min((col+1)*perColumn, pairs); i++ {
			label, value := objects[2*i], objects[2*i+1]
			h := max(label.MinSize().Height, minHeightAt(value, valueW))
			if lay {
				label.Move(fyne.NewPos(x, y))
				label.Resize(fyne.NewSize(labelW, h))
				value.Move(fyne.NewPos(x+labelW+pad, y))
				value.Resize(fyne.NewSize(valueW, h))
			}
			y += h + pad
		}
		tallest = max(tallest, y-pad)
	}
	return tallest
}

func (g *factGrid) Layout(objects []fyne.CanvasObject, size fyne.Size) {
	g.place(objects, size.Width, true)
}

// MinSize is as wide as one label and the narrowest value per column, and
// as tall as the pairs are at the width they last had.
func (g *factGrid) MinSize(objects []fyne.CanvasObject) fyne.Size {
	pad := theme.Padding()
	pairs := len(objects) / 2
	var labelW, valueW, width float32
	for i := 0; i < pairs; i++ {
		labelW = max(labelW, objects[2*i].MinSize().Width)
		valueW = max(valueW, objects[2*i+1].MinSize().Width)
		width = max(width, objects[2*i+1].Size().Width)
	}
	cols := float32(g.columns(pairs))
	minWidth := cols*(labelW+pad+valueW) + pad*(cols-1)
	return fyne.NewSize(minWidth, g.place(objects, max(cols*(labelW+pad+width)+pad*(cols-1), minWidth), false))
}

// minHeightAt is the height o needs at width: wrapped text is measured at
// the width it gets, not the one it had before a resize, where it took
// fewer lines and the next object would be drawn over it.
func minHeightAt(o fyne.CanvasObject, width float32) float32 {
	if o.Size().Width != width {
		o.Resize(fyne.NewSize(width, o.Size().Height))
	}
	return o.MinSize().Height
}

// flowColumn stacks objects like a VBox in a vertical scroll, measuring each
// at the scroll's width, so that after a resize every wrapped paragraph
// takes the lines it needs and nothing overlaps.
type flowColumn struct{ scroll *container.Scroll }

// newFlowScroll is a vertical scroll of objects in a flowColumn.
func newFlowScroll(objects ...fyne.CanvasObject) (*container.Scroll, *fyne.Container) {
	col := &flowColumn{}
	box := container.New(col, objects...)
	col.scroll = container.NewVScroll(box)
	return col.scroll, box
}

func (f *flowColumn) Layout(objects []fyne.CanvasObject, size fyne.Size) {
	y := float32(0)
	for _, o := range visibleObjects(objects) {
		h := minHeightAt(o, size.Width)
		o.Move(fyne.NewPos(0, y))
		o.Resize(fyne.NewSize(size.Width, h))
		y += h + theme.Padding()
	}
}

// MinSize measures at the scroll's width: the scroll asks before it
// resizes the column to its new width.
func (f *flowColumn) MinSize(objects []fyne.CanvasObject) fyne.Size {
	width := f.scroll.Size().Width
	var s fyne.Size
	for i, o := range visibleObjects(objects) {
		if i > 0 {
			s.Height += theme.Padding()
		}
		if width > 0 {
			s.Height += minHeightAt(o, max(width, o.MinSize().Width))
		} else {
			s.Height += o.MinSize().Height
		}
		s.Width = max(s.Width, o.MinSize().Width)
	}
	return s
}

// aboveRows lays out a vertical scroll above rows (a list and its
// controls): the scroll takes the height its content needs, as long as the
// rows keep at least rowsShare of the height; hidden rows leave it all. Neither asks for more
// than a little height, so long content scrolls instead of growing the
// window past a phone's screen.
type aboveRows struct{ rowsShare float32 }

func (a *aboveRows) Layout(objects []fyne.CanvasObject, size fyne.Size) {
	above, rows := objects[0].(*container.Scroll), objects[1]
	if !rows.Visible() {
		above.Move(fyne.NewPos(0, 0))
		above.Resize(size)
		return
	}
	if above.Size().Width != size.Width { // its content measures at its width
		above.Resize(fyne.NewSize(size.Width, above.Size().Height))
	}
	h := min(above.Content.MinSize().Height, size.Height*(1-a.rowsShare))
	above.Move(fyne.NewPos(0, 0))
	above.Resize(fyne.NewSize(size.Width, h))
	rows.Move(fyne.NewPos(0, h+theme.Padding()))
	rows.Resize(fyne.NewSize(size.Width, max(size.Height-h-theme.Padding(), 0)))
}

func (a *aboveRows) MinSize(objects []fyne.CanvasObject) fyne.Size {
	above, rows := objects[0].MinSize(), objects[1]
	if !rows.Visible() {
		return above
	}
	return fyne.NewSize(max(above.Width, rows.MinSize().Width), above.Height+theme.Padding()+rows.MinSize().Height)
}

// rowLabelHeight is the height a label with text, style and wrapping needs
// in a row of a list listWidth wide (less the row's padding and the scroll
// bar): rows are measured at the width they get, never at the one they had
// before a resize.
func rowLabelHeight(text string, style fyne.TextStyle, wrapping fyne.TextWrap, listWidth float32) float32 {
	l := widget.NewLabel(text)
	l.TextStyle, l.Wrapping = style, wrapping
	l.Resize(fyne.NewSize(max(listWidth-2*theme.Padding()-theme.ScrollBarSize(), 1), l.MinSize().Height))
	return l.MinSize().Height
}

// remeasured holds a list whose row heights depend on its width: when the
// width changes, the list updates its rows so they measure themselves again.
type remeasured struct {
	list  *widget.List
	width float32
}

func newRemeasured(list *widget.List) *fyne.Container {
	return container.New(&remeasured{list: list}, list)
}

func (r *remeasured) Layout(objects []fyne.CanvasObject, size fyne.Size) {
	for _, o := range objects {
		o.Move(fyne.NewPos(0, 0))
		o.Resize(size)
	}
	if size.Width != r.width {
		r.width = size.Width
		r.list.Refresh()
	}
}

func (r *remeasured) MinSize(objects []fyne.CanvasObject) fyne.Size { return objects[0].MinSize() }

// newButtonGrid lays buttons out in equal cells that wrap onto more rows on
// a narrow window; the cells are as wide as the widest label needs, in
// whatever language it is, measured when laid out: a view not yet shown
// measures nothing.
func newButtonGrid(buttons ...fyne.CanvasObject) *fyne.Container {
	return container.New(&buttonGrid{}, buttons...)
}

// buttonGrid is Fyne's grid-wrap layout with the cell fitted to the
// buttons (the layout keeps the rows it counted at its last layout).
type buttonGrid struct {
	cell fyne.Size
	grid fyne.Layout
}

func (g *buttonGrid) fit(buttons []fyne.CanvasObject) fyne.Layout {
	var cell fyne.Size
	for _, b := range buttons {
		cell = cell.Max(b.MinSize())
	}
	if g.grid == nil || cell != g.cell {
		g.cell, g.grid = cell, layout.NewGridWrapLayout(cell)
	}
	return g.grid
}

func (g *buttonGrid) Layout(buttons []fyne.CanvasObject, size fyne.Size) {
	g.fit(buttons).Layout(buttons, size)
}

func (g *buttonGrid) MinSize(buttons []fyne.CanvasObject) fyne.Size {
	return g.fit(buttons).MinSize(buttons)
}

// newDisabledButton is a button that starts disabled. Disabling a button
// refreshes it, which builds its renderer and measures its text: done
// before the button is a widget, nothing is built until it is first shown.
func newDisabledButton(text string, icon fyne.Resource, tapped func()) *widget.Button {
	b := &widget.Button{Text: text, Icon: icon, OnTapped: tapped}
	b.Disable()
	b.ExtendBaseWidget(b)
	return b
}

// newErrorLabel is where a step says, in red, what went wrong and what to
// do; hidden until then.
func newErrorLabel() *widget.Label {
	l := widget.NewLabel("")
	l.Wrapping = fyne.TextWrapWord
	l.Importance = widget.DangerImportance
	l.Hide()
	return l
}

func visibleObjects(objects []fyne.CanvasObject) []fyne.CanvasObject {
	var out []fyne.CanvasObject
	for _, o := range objects {
		if o.Visible() {
			out = append(out, o)
		}
	}
	return out
}

// Environment colours: sandbox amber, production red, custom slate.
var envColors = map[string]color.NRGBA{
	flows.EnvSandbox:    {R: 0xf5, G: 0xa3, B: 0x00, A: 0xff},
	flows.EnvProduction: {R: 0xd3, G: 0x2f, B: 0x2f, A: 0xff},
	flows.EnvCustom:     {R: 0x45, G: 0x5a, B: 0x64, A: 0xff},
}

func envName(env string) string {
	switch env {
	case flows.EnvProduction:
		return "production"
	case flows.EnvCustom:
		return "custom"
	}
	return "sandbox"
}

// envBadge shows which environment the app talks to, on every screen.
type envBadge struct {
	widget.BaseWidget
	bg       *canvas.Rectangle
	text     *canvas.Text
	env      string
	scenario string // the sandbox's, when it is not the documented behaviour
}

func newEnvBadge(env string) *envBadge {
	b := &envBadge{bg: canvas.NewRectangle(color.Transparent), text: canvas.NewText("", color.White)}
	b.bg.CornerRadius = 6
	b.text.TextStyle = fyne.TextStyle{Bold: true}
	b.text.Alignment = fyne.TextAlignCenter
	b.ExtendBaseWidget(b)
	b.set(env)
	return b
}

// set shows env; called on the UI thread.
func (b *envBadge) set(env string) {
	b.env = env
	name := envName(env)
	b.bg.FillColor = envColors[name]
	b.text.Text = lang.L(map[string]string{"sandbox": "SANDBOX", "production": "PRODUCTION", "custom": "CUSTOM SERVER"}[name])
	if name == "sandbox" && b.scenario != "" && b.scenario != "normal" {
		b.text.Text = lang.L("SANDBOX · {{.Scenario}}", map[string]any{"Scenario": b.scenario})
	}
	b.text.Color = color.White
	if name == "sandbox" {
		b.text.Color = color.NRGBA{R: 0x23, G: 0x1a, B: 0x00, A: 0xff} // dark on amber reads better
	}
	b.Refresh()
}

// setScenario shows the sandbox's active scenario ("" or normal: none).
func (b *envBadge) setScenario(name string) {
	b.scenario = name
	b.set(b.env)
}

// Text is the badge's label, for tests and accessibility.
func (b *envBadge) Text() string { return b.text.Text }

func (b *envBadge) CreateRenderer() fyne.WidgetRenderer {
	return widget.NewSimpleRenderer(container.New(layout.NewCustomPaddedLayout(0, 0, 0, 0),
		b.bg, container.NewPadded(b.text)))
}

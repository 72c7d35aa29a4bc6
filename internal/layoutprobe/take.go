//go:build linux

// Reading live widgets needs Fyne's widget packages, which build for
// Windows and macOS only with cgo; the probe runs under Xvfb, on Linux.

package layoutprobe

import (
	"fmt"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"
)

// Take reads every window of the running app. Call it on the Fyne thread
// (fyne.DoAndWait).
func Take() Dump {
	var dump Dump
	for _, w := range fyne.CurrentApp().Driver().AllWindows() {
		c := w.Canvas()
		pw := Window{Title: w.Title(), Canvas: c.Size(), Scale: c.Scale()}
		if content := c.Content(); content != nil {
			pw.ContentMin = content.MinSize()
			walk(content, fyne.Position{}, nil, 0, &pw.Objects)
		}
		for i, o := range c.Overlays().List() {
			walk(o, fyne.Position{}, nil, i+1, &pw.Objects)
		}
		dump.Windows = append(dump.Windows, pw)
	}
	return dump
}

// walk records o and what it draws, skipping hidden subtrees. Widgets are
// read through their live renderers (test.WidgetRenderer is Fyne's public
// door to its renderer cache); positions add up down the tree as the
// painter adds them, and scroll containers clip what they hold.
func walk(o fyne.CanvasObject, origin fyne.Position, clip *Rect, layer int, out *[]Object) {
	if o == nil || !o.Visible() {
		return
	}
	pos := origin.Add(o.Position())
	rect := Rect{pos.X, pos.Y, o.Size().Width, o.Size().Height}
	rec := Object{Type: fmt.Sprintf("%T", o), Layer: layer, Rect: rect, Min: o.MinSize(), Clip: clip}
	var children []fyne.CanvasObject
	switch v := o.(type) {
	case *canvas.Text:
		rec.Text, rec.Align = v.Text, v.Alignment
	case *widget.Button:
		rec.Label = v.Text
	case *container.AppTabs:
		if item := v.Selected(); item != nil {
			rec.Label, rec.Tab = item.Text, v.SelectedIndex()
		}
	}
	switch v := o.(type) {
	case *fyne.Container:
		children = v.Objects
	case fyne.Widget:
		if _, scrolls := o.(*container.Scroll); scrolls {
			viewport := rect
			if clip != nil {
				viewport = clip.Intersect(rect)
			}
			clip = &viewport
		}
		children = test.WidgetRenderer(v).Objects()
	}
	*out = append(*out, rec)
	for _, child := range children {
		walk(child, pos, clip, layer, out)
	}
}

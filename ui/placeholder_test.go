package ui

import (
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// On a phone (360×740), in English and Japanese, every empty field's
// placeholder is read whole: none is cut off at the field's edge.
func TestPlaceholdersFitAPhone(t *testing.T) {
	onAPhoneInEachLanguage(t, func(t *testing.T, r *rig) {
		for _, info := range r.m.connect.providers {
			r.m.connect.provider.SetSelected(info.Title)
			placeholdersFit(t, info.Name, r.m.win.Content())
		}
		for _, item := range r.m.tabs.Items[1:] {
			r.m.tabs.Select(item)
			placeholdersFit(t, item.Text, r.m.win.Content())
		}
	})
}

// placeholdersFit fails t for every shown entry under o whose placeholder
// is wider than the room inside it (less the reveal button of a password).
func placeholdersFit(t *testing.T, where string, o fyne.CanvasObject) {
	t.Helper()
	if !o.Visible() {
		return
	}
	switch o := o.(type) {
	case *widget.Entry:
		if o.PlaceHolder == "" { // shown whenever the field is emptied
			return
		}
		room := o.Size().Width - 2*theme.InnerPadding()
		if o.Password {
			room -= theme.IconInlineSize() + theme.InnerPadding()
		}
		if need := fyne.MeasureText(o.PlaceHolder, theme.TextSize(), o.TextStyle).Width; need > room {
			t.Errorf("%s: the placeholder %q needs %.0f px, the field has %.0f", where, o.PlaceHolder, need, room)
		}
	case *fyne.Container:
		for _, child := range o.Objects {
			placeholdersFit(t, where, child)
		}
	case fyne.Widget:
		for _, child := range test.WidgetRenderer(o).Objects() {
			placeholdersFit(t, where, child)
		}
	}
}

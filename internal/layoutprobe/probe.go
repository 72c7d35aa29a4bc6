// Package layoutprobe reads the live widget tree of a running Fyne app and
// checks it as a user would look at it: texts that overlap, numbers cut
// short, things drawn past the window's edge. The app's test-only hook
// (layoutprobe.go, built with -tags layoutprobe) writes a Dump on request;
// the real-window test reads it and runs Check.
package layoutprobe

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"fyne.io/fyne/v2"
)

// Dump is every window of the app at one moment.
type Dump struct {
	Windows []Window
}

// Window is one window's canvas and what it draws.
type Window struct {
	Title      string
	Canvas     fyne.Size // in Fyne units
	Scale      float32   // pixels per unit
	ContentMin fyne.Size // the least the content accepts
	Objects    []Object
}

// Object is one visible object, its position absolute on the canvas.
type Object struct {
	Type  string
	Text  string `json:",omitempty"` // a *canvas.Text's text, as drawn
	Align fyne.TextAlign
	Label string `json:",omitempty"` // a button's text, or the selected tab's
	Tab   int    // tabs: the index of the selected tab
	Layer int    // 0 the window's content, 1… its overlays (menus, dialogs)
	Rect  Rect
	Min   fyne.Size
	Clip  *Rect `json:",omitempty"` // the enclosing scroll containers' viewports; nil: none
}

// Rect is a rectangle on the canvas, in Fyne units.
type Rect struct{ X, Y, W, H float32 }

func (r Rect) String() string { return fmt.Sprintf("(%g,%g %g×%g)", r.X, r.Y, r.W, r.H) }

// Intersect is the part of r inside o, empty (zero size) when none is.
func (r Rect) Intersect(o Rect) Rect {
	x, y := max(r.X, o.X), max(r.Y, o.Y)
	w, h := min(r.X+r.W, o.X+o.W)-x, min(r.Y+r.H, o.Y+o.H)-y
	return Rect{x, y, max(w, 0), max(h, 0)}
}

// Write writes dump to path atomically, so a reader never sees half a file.
func Write(path string, dump Dump) error {
	data, err := json.Marshal(dump)
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".probe-*")
	if err != nil {
		return err
	}
	_, err = tmp.Write(data)
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		os.Remove(tmp.Name())
	}
	return err
}

// Read reads a dump Write wrote.
func Read(path string) (Dump, error) {
	var dump Dump
	data, err := os.ReadFile(path)
	if err == nil {
		err = json.Unmarshal(data, &dump)
	}
	return dump, err
}

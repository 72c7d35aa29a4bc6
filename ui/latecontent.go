package ui

import (
	"sync"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
)

// lateContent is a window's content built on another goroutine: an empty
// container until then. Once its window is about to be shown (expect), it
// waits for the content the first time it is asked for its size or laid
// out, on Fyne's thread, where the content then joins it.
type lateContent struct {
	root     *fyne.Container
	build    func() fyne.CanvasObject
	built    chan struct{}     // closed once the content is built
	content  fyne.CanvasObject // set by the builder, read once built is closed
	expected bool              // Fyne's thread only
	join     sync.Once
}

func newLateContent(build func() fyne.CanvasObject) *lateContent {
	l := &lateContent{build: build, built: make(chan struct{})}
	l.root = container.New(l)
	return l
}

// start builds the content on another goroutine.
func (l *lateContent) start() {
	go func() {
		l.content = l.build()
		close(l.built)
	}()
}

// expect makes the next size query or layout wait for the content: call it
// once the root is the window's content, just before the window is shown.
// Until then the root is empty, so setting it as the content waits for
// nothing.
func (l *lateContent) expect() { l.expected = true }

// wait returns the content, in the root once built; nil until expected.
func (l *lateContent) wait() fyne.CanvasObject {
	if !l.expected {
		return nil
	}
	l.join.Do(func() {
		<-l.built
		l.root.Objects = []fyne.CanvasObject{l.content}
	})
	return l.content
}

func (l *lateContent) MinSize([]fyne.CanvasObject) fyne.Size {
	if c := l.wait(); c != nil {
		return c.MinSize()
	}
	return fyne.Size{}
}

func (l *lateContent) Layout(_ []fyne.CanvasObject, size fyne.Size) {
	if c := l.wait(); c != nil {
		c.Move(fyne.Position{})
		c.Resize(size)
	}
}

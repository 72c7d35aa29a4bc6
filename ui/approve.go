package ui

import (
	"errors"
	"fmt"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"
	qrcode "github.com/skip2/go-qrcode"

	"github.com/qexcompanion/qex-companion/flows"
	"github.com/qexcompanion/qex-companion/internal/oneline"
)

// qrSize is the QR code's side on screen: large enough for a phone camera
// at arm's length, small enough for a 360 px wide window.
const qrSize = 220

// approveStep waits while the user approves in a browser.
type approveStep struct {
	m        *MainWindow
	url      string
	started  time.Time
	stopTick chan struct{}

	heading  *widget.Label
	activity *widget.Activity
	elapsed  *widget.Label
	statusL  *widget.Label
	urlLabel *widget.Label
	copied   *widget.Label
	qr       *canvas.Image
	errLabel *widget.Label
	checkBtn *widget.Button
	retryBtn *widget.Button
	body     fyne.CanvasObject
}

func newApproveStep(m *MainWindow) *approveStep {
	s := &approveStep{m: m}
	s.heading = widget.NewLabelWithStyle("Approve in your browser", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	s.activity = widget.NewActivity()
	s.elapsed = widget.NewLabel("")
	s.statusL = widget.NewLabel("")
	s.statusL.Wrapping = fyne.TextWrapWord
	s.urlLabel = widget.NewLabel("")
	s.urlLabel.Wrapping = fyne.TextWrapBreak
	s.urlLabel.Selectable = true
	s.copied = widget.NewLabel("")
	s.qr = canvas.NewImageFromImage(nil)
	s.qr.FillMode = canvas.ImageFillContain
	s.qr.ScaleMode = canvas.ImageScalePixels // keep QR modules sharp
	s.qr.SetMinSize(fyne.NewSize(qrSize, qrSize))
	s.errLabel = newErrorLabel()

	copyBtn := widget.NewButton("Copy link", func() {
		m.app.Clipboard().SetContent(s.url)
		s.copied.SetText("Link copied.")
	})
	openBtn := widget.NewButton("Open again", func() {
		if err := m.engine.OpenURL(s.url); err != nil {
			s.copied.SetText(oneline.Sentence(err.Error()) + ". Copy the link into a browser instead.")
		}
	})
	s.checkBtn = widget.NewButton("I've approved", m.checkNow)
	s.checkBtn.Importance = widget.HighImportance
	s.retryBtn = widget.NewButton("Retry", m.retry)
	s.retryBtn.Importance = widget.HighImportance
	s.retryBtn.Hide()
	cancelBtn := widget.NewButton("Cancel", m.cancelFlow)

	intro := widget.NewLabel("The approval page opened in your browser. Sign in to Liquid there and approve the connection. You can also scan the code to approve on your phone: this app notices either way.")
	intro.Wrapping = fyne.TextWrapWord
	text := container.NewVBox(
		container.NewHBox(s.heading, s.activity, s.elapsed),
		intro,
		s.statusL,
		s.errLabel,
		container.NewHBox(s.checkBtn, s.retryBtn, cancelBtn),
		widget.NewSeparator(),
		widget.NewLabel("Approval link"),
		s.urlLabel,
		container.NewHBox(copyBtn, openBtn),
		s.copied,
	)
	s.body = container.NewVScroll(m.newRowOrStack(640, 1, container.NewVBox(container.NewCenter(s.qr)), text))
	return s
}

func (s *approveStep) number() int                { return 2 }
func (s *approveStep) name() string               { return "Approve" }
func (s *approveStep) content() fyne.CanvasObject { return s.body }

// active reports whether the approve step owns the flow's outcome.
func (s *approveStep) active() bool { return s.url != "" }

// waitFor shows a new approval URL and starts the clock.
func (s *approveStep) waitFor(e flows.ApprovalURLReady) {
	s.reset()
	s.url = e.URL
	s.started = s.m.opts.Now()
	s.urlLabel.SetText(e.URL)
	if q, err := qrcode.New(e.URL, qrcode.Medium); err == nil {
		s.qr.Image = q.Image(-4)
	}
	s.qr.Refresh()
	switch {
	case e.Opened:
		s.statusL.SetText("Waiting for your approval…")
	case e.OpenErr != nil:
		s.statusL.SetText(oneline.Sentence(fmt.Sprintf("%v: open the link below in a browser, or scan the code.", e.OpenErr)))
	default:
		s.statusL.SetText("Open the link below in a browser, or scan the code.")
	}
	s.activity.Show()
	s.activity.Start()
	s.tick()
	s.stopTick = make(chan struct{})
	go s.runTicker(s.stopTick)
}

func (s *approveStep) runTicker(stop chan struct{}) {
	t := time.NewTicker(time.Second)
	defer t.Stop()
	for {
		select {
		case <-stop:
			return
		case <-t.C:
			s.m.opts.Do(func() {
				select {
				case <-stop: // stopped while this tick waited for the UI thread
				default:
					s.tick()
				}
			})
		}
	}
}

func (s *approveStep) tick() {
	d := s.m.opts.Now().Sub(s.started).Round(time.Second)
	s.elapsed.SetText(fmt.Sprintf("%d:%02d", int(d.Minutes()), int(d.Seconds())%60))
}

func (s *approveStep) status(e flows.Waiting) {
	next := e.Next.Round(time.Second)
	if e.Next < time.Second {
		next = e.Next.Round(100 * time.Millisecond)
	}
	if e.Failed {
		s.statusL.SetText("The last check failed (" + e.Reason + "). Checking again in " + next.String() + ".")
		return
	}
	s.statusL.SetText("Waiting for approval (" + e.Reason + "). Checking again in " + next.String() + ".")
}

// fail shows why the flow ended, with Retry.
func (s *approveStep) fail(err error) {
	s.stop()
	msg := oneline.Sentence(err.Error())
	if errors.Is(err, flows.ErrTimeout) {
		msg = "Timed out: nobody approved the connection in time. Retry to get a new link."
	}
	s.heading.SetText("Not connected")
	s.errLabel.SetText(msg)
	s.errLabel.Show()
	s.statusL.SetText("")
	s.checkBtn.Hide()
	s.retryBtn.Show()
}

func (s *approveStep) stop() {
	if s.stopTick != nil {
		close(s.stopTick)
		s.stopTick = nil
	}
	s.activity.Stop()
	s.activity.Hide()
}

// reset leaves the step ready for a new flow.
func (s *approveStep) reset() {
	s.stop()
	s.url = ""
	s.heading.SetText("Approve in your browser")
	s.errLabel.Hide()
	s.retryBtn.Hide()
	s.checkBtn.Show()
	s.copied.SetText("")
	s.elapsed.SetText("")
}

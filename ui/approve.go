package ui

import (
	"errors"
	"net"
	"net/url"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
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
	elapsing secondTicker // redraws elapsed

	heading  *widget.Label
	activity *widget.Activity
	elapsed  *widget.Label
	statusL  *widget.Label
	urlLabel *widget.Label
	copied   *widget.Label
	intro    *widget.Label
	qr       *canvas.Image
	qrBox    *fyne.Container // the QR code's column, hidden with it
	qrNote   *widget.Label
	errLabel *widget.Label
	checkBtn *widget.Button
	retryBtn *widget.Button
	body     fyne.CanvasObject
}

func newApproveStep(m *MainWindow) *approveStep {
	s := &approveStep{m: m}
	s.heading = widget.NewLabelWithStyle(lang.L("Approve in your browser"), fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
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
	s.qrNote = widget.NewLabel("")
	s.qrNote.Wrapping = fyne.TextWrapWord
	s.qrNote.Hide()
	s.errLabel = newErrorLabel()

	copyBtn := widget.NewButton(lang.L("Copy link"), func() {
		m.app.Clipboard().SetContent(s.url)
		s.copied.SetText(lang.L("Link copied."))
	})
	openBtn := widget.NewButton(lang.L("Open again"), func() {
		if err := m.engine.OpenURL(s.url); err != nil {
			s.copied.SetText(lang.L("{{.Err}}. Copy the link into a browser instead.", map[string]any{"Err": oneline.Sentence(sayErr(err))}))
		}
	})
	s.checkBtn = widget.NewButton(lang.L("I've approved"), m.checkNow)
	s.checkBtn.Importance = widget.HighImportance
	s.retryBtn = widget.NewButton(lang.L("Retry"), m.retry)
	s.retryBtn.Importance = widget.HighImportance
	s.retryBtn.Hide()
	cancelBtn := widget.NewButton(lang.L("Cancel"), m.cancelFlow)

	s.intro = widget.NewLabel("")
	s.intro.Wrapping = fyne.TextWrapWord
	text := container.NewVBox(
		container.NewHBox(s.heading, s.activity, s.elapsed),
		s.intro,
		s.statusL,
		s.errLabel,
		container.NewHBox(s.checkBtn, s.retryBtn, cancelBtn),
		widget.NewSeparator(),
		widget.NewLabel(lang.L("Approval link")),
		s.urlLabel,
		container.NewHBox(copyBtn, openBtn),
		s.copied,
		s.qrNote, // in the text's column: alone in the QR's, it got one letter per line
	)
	s.qrBox = container.NewCenter(s.qr)
	s.body, _ = newFlowScroll(m.newRowOrStack(640, 1, s.qrBox, text))
	return s
}

func (s *approveStep) number() int                { return 2 }
func (s *approveStep) name() string               { return lang.L("Approve") }
func (s *approveStep) content() fyne.CanvasObject { return s.body }

// active reports whether the approve step owns the flow's outcome.
func (s *approveStep) active() bool { return s.url != "" }

// waitFor shows a new approval URL and starts the clock.
func (s *approveStep) waitFor(e flows.ApprovalURLReady) {
	s.reset()
	s.url = e.URL
	s.started = s.m.opts.Now()
	s.urlLabel.SetText(e.URL)
	s.showQR(e.URL)
	phone := ""
	if s.qrBox.Visible() {
		phone = " " + lang.L("You can also scan the code to approve on your phone: this app notices either way.")
	}
	switch {
	case e.Opened:
		s.intro.SetText(lang.L("The approval page opened in your browser. Sign in there and approve the connection.") + phone)
		s.statusL.SetText(lang.L("Waiting for your approval…"))
	case e.OpenErr != nil:
		s.intro.SetText(lang.L("Your browser could not be opened: {{.Err}}. Copy the link below into a browser, or press Open again.", map[string]any{"Err": oneline.Clean(sayErr(e.OpenErr), 200)}) + phone)
		s.intro.Importance = widget.WarningImportance
		s.statusL.SetText(lang.L("Waiting for your approval…"))
	default:
		s.intro.SetText(lang.L("Open the link below in a browser, sign in there and approve the connection.") + phone)
		s.statusL.SetText(lang.L("Waiting for your approval…"))
	}
	s.intro.Refresh()
	s.activity.Show()
	s.activity.Start()
	s.tick()
	s.elapsing.start(s.m.opts.Do, s.tick)
}

// showQR shows the approval link as a QR code only when a phone could open
// it: a link to this computer's loopback address (the sandbox's) is
// reachable from nowhere else.
func (s *approveStep) showQR(link string) {
	u, err := url.Parse(link)
	host := ""
	if err == nil {
		host = u.Hostname()
	}
	ip := net.ParseIP(host)
	if host == "" || host == "localhost" || ip != nil && ip.IsLoopback() {
		s.qrBox.Hide()
		s.qrNote.SetText(lang.L("No QR code: the approval page is on this computer ({{.Host}}), which a phone cannot reach. Open the link here.", map[string]any{"Host": oneline.Clean(host, 60)}))
		s.qrNote.Show()
		return
	}
	if q, err := qrcode.New(link, qrcode.Medium); err == nil {
		s.qr.Image = q.Image(-4)
	}
	s.qrBox.Show()
	s.qr.Refresh()
	s.qrNote.Hide()
}

func (s *approveStep) tick() {
	d := s.m.opts.Now().Sub(s.started).Round(time.Second)
	s.elapsed.SetText(minSec(d))
}

func (s *approveStep) status(e flows.Waiting) {
	next := e.Next.Round(time.Second)
	if e.Next < time.Second {
		next = e.Next.Round(100 * time.Millisecond)
	}
	if e.Failed {
		s.statusL.SetText(lang.L("The last check failed ({{.Reason}}). Checking again in {{.Next}}.", map[string]any{"Reason": strings.TrimSuffix(say(e.Reason), "."), "Next": next.String()}))
		return
	}
	s.statusL.SetText(lang.L("Waiting for approval ({{.Reason}}). Checking again in {{.Next}}.", map[string]any{"Reason": strings.TrimSuffix(say(e.Reason), "."), "Next": next.String()}))
}

// fail shows why the flow ended, with Retry.
func (s *approveStep) fail(err error) {
	s.stop()
	msg := oneline.Sentence(sayErr(err))
	if errors.Is(err, flows.ErrTimeout) {
		msg = lang.L("Timed out: nobody approved the connection in time. Retry to get a new link.")
	}
	s.heading.SetText(lang.L("Not connected"))
	s.intro.Hide() // it asked for an approval that is over
	s.errLabel.SetText(msg)
	s.errLabel.Show()
	s.statusL.SetText("")
	s.checkBtn.Hide()
	s.retryBtn.Show()
}

func (s *approveStep) stop() {
	s.elapsing.Stop()
	s.activity.Stop()
	s.activity.Hide()
}

// reset leaves the step ready for a new flow.
func (s *approveStep) reset() {
	s.stop()
	s.url = ""
	s.heading.SetText(lang.L("Approve in your browser"))
	s.intro.Show()
	s.errLabel.Hide()
	s.retryBtn.Hide()
	s.checkBtn.Show()
	s.copied.SetText("")
	s.intro.Importance = widget.MediumImportance
	s.elapsed.SetText("")
}

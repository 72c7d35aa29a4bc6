package fynelog

import (
	"bytes"
	"errors"
	"log"
	"testing"

	"fyne.io/fyne/v2"
)

// logFyneReport logs what Fyne logs when its racing reload reads an empty
// preferences file, through Fyne's own LogError.
func logFyneReport() { fyne.LogError("Preferences load error:", errors.New("EOF")) }

func TestTheQuitRaceReportIsDroppedOnlyWhileStopping(t *testing.T) {
	var out bytes.Buffer
	filter := NewQuitFilter(&out)
	saved := log.Writer()
	log.SetOutput(filter)
	t.Cleanup(func() { log.SetOutput(saved) })

	logFyneReport()
	if !bytes.Contains(out.Bytes(), []byte("Preferences load error")) || !bytes.Contains(out.Bytes(), []byte("Cause: EOF")) {
		t.Fatalf("before quitting the report must show, got %q", out.String())
	}

	out.Reset()
	filter.Stopping()
	logFyneReport()
	if out.Len() != 0 {
		t.Fatalf("while stopping the report must be dropped whole, got %q", out.String())
	}
	fyne.LogError("Failed on force saving preferences", errors.New("disk full"))
	log.Print("something else")
	for _, want := range []string{"Failed on force saving preferences", "Cause: disk full", "At: ", "something else"} {
		if !bytes.Contains(out.Bytes(), []byte(want)) {
			t.Errorf("other errors must pass while stopping: %q missing from %q", want, out.String())
		}
	}
}

// hello is the anchor the app's start-up is measured against
// (scripts/measure-lightness.sh): Fyne's hello-world app, built with the
// same Fyne and toolchain. Under a Japanese locale its label is Japanese,
// so it pays Fyne's fallback to a system CJK font as the app does.
package main

import (
	"os"
	"strings"

	"fyne.io/fyne/v2/app"
	"fyne.io/fyne/v2/widget"
)

func main() {
	text := "Hello World!"
	if strings.HasPrefix(os.Getenv("LANG"), "ja") {
		text = "こんにちは、世界！"
	}
	a := app.New()
	w := a.NewWindow("Hello World")
	w.SetContent(widget.NewLabel(text))
	w.ShowAndRun()
}

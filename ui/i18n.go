package ui

import (
	"embed"
	"fmt"
	"os"
	"sync"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/widget"
)

// The window's words are English in the code and keys of lang.L; the
// translations hold the other languages. Headless output never comes here:
// it stays English, for scripts and logs.
//
//go:embed translations
var translations embed.FS

// Language is one the window speaks.
type Language struct{ Code, Name string }

// Languages are the window's languages, each named in itself.
var Languages = []Language{{"en", "English"}, {"ja", "日本語"}}

var useLanguage sync.Mutex

// UseLanguage loads the translations and picks the window's language: ""
// follows the system (LANGUAGE, LC_ALL, LC_MESSAGES, LANG), a code from
// Languages overrides it. Call it before building the window.
func UseLanguage(code string) error {
	useLanguage.Lock()
	defer useLanguage.Unlock()
	if code != "" {
		// Fyne picks the language from the locale variables only: LC_ALL
		// wins over LC_MESSAGES and LANG, LANGUAGE over LC_ALL. They are
		// restored at once so that what the app starts (the browser) keeps
		// the user's own locale.
		for _, name := range []string{"LC_ALL", "LANGUAGE"} {
			defer restoreEnv(name)()
			os.Setenv(name, code) //nolint:errcheck // a valid name and value
		}
	}
	return lang.AddTranslationsFS(translations, "translations")
}

// restoreEnv returns a function that puts an environment variable back as
// it is now.
func restoreEnv(name string) func() {
	old, had := os.LookupEnv(name)
	return func() {
		if had {
			os.Setenv(name, old) //nolint:errcheck // a valid name and value
		} else {
			os.Unsetenv(name) //nolint:errcheck
		}
	}
}

// CurrentLanguage is the code of the language the window speaks now.
func CurrentLanguage() string { return lang.X("language.code", "en") }

// formatDay is a date and time for people, in the window's language: "2 Jan
// 15:04", or with the year when it is not this year's.
func formatDay(t time.Time, now time.Time) string {
	t = t.Local()
	ja := CurrentLanguage() == "ja"
	switch {
	case ja && t.Year() == now.Year():
		return t.Format("1月2日 15:04")
	case ja:
		return t.Format("2006年1月2日 15:04")
	case t.Year() == now.Year():
		return t.Format("2 Jan 15:04")
	default:
		return t.Format("2 Jan 2006 15:04")
	}
}

// formatMoment is a moment to the second, with its zone, in the window's
// language: "5 Dec 2026 07:36:06 UTC", "2026年12月5日 07:36:06 UTC".
func formatMoment(t time.Time) string {
	if CurrentLanguage() == "ja" {
		return t.Local().Format("2006年1月2日 15:04:05 MST")
	}
	return t.Local().Format("2 Jan 2006 15:04:05 MST")
}

// minSec is a duration as a clock shows it: "1:05".
func minSec(d time.Duration) string {
	return fmt.Sprintf("%d:%02d", int(d.Minutes()), int(d.Seconds())%60)
}

// followSystem is the language picker's first option.
const followSystem = "Follow the system"

// newLanguagePicker lets the user choose the window's language; the choice
// is kept and applies from the next launch, when every part of the window
// is built in it. Nil without a place to keep it.
func newLanguagePicker(m *MainWindow) fyne.CanvasObject {
	if m.opts.SetLanguage == nil {
		return nil
	}
	options := []string{lang.L(followSystem)}
	for _, l := range Languages {
		options = append(options, l.Name)
	}
	note := widget.NewLabel("")
	note.Wrapping = fyne.TextWrapWord
	note.Hide()
	picker := widget.NewSelect(options, nil)
	picker.SetSelected(lang.L(followSystem))
	for _, l := range Languages {
		if l.Code == m.opts.Language {
			picker.SetSelected(l.Name)
		}
	}
	picker.OnChanged = func(choice string) {
		code := ""
		for _, l := range Languages {
			if l.Name == choice {
				code = l.Code
			}
		}
		go func() {
			err := m.opts.SetLanguage(code)
			m.opts.Do(func() {
				if err != nil {
					note.SetText(lang.L("The language could not be saved: {{.Err}}", map[string]any{"Err": sayErr(err)}))
				} else if code == "" {
					note.SetText(lang.L("QEX Companion follows the system's language from its next launch."))
				} else {
					note.SetText(lang.L("QEX Companion speaks {{.Language}} from its next launch.", map[string]any{"Language": choice}))
				}
				note.Show()
			})
		}()
	}
	return container.NewVBox(widget.NewLabel(lang.L("Language")), picker, note)
}

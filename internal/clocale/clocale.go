// Package clocale keeps Fyne from logging "Error parsing user locale C" at
// start-up under a C/POSIX locale with a codeset (LANG=C.UTF-8, the default
// of containers, CI and SSH sessions). Import it blank from main: it depends
// only on os, so Go initialises it before golang.org/x/text and Fyne's lang
// package (packages are initialised in import-path order as dependencies
// allow, and everything Fyne's lang needs imports os first), whose init
// reads the locale.
//
// Fyne's locale library treats exactly "C" and "POSIX" as "no locale", but
// hands "C.UTF-8" on as the language "C", which is not a language tag.
// This sets LANGUAGE=en instead, which the library consults before the
// codeset locale. Nothing else changes: LANG and LC_* stay as they were, so
// the browser and other programs started by the app keep the user's
// character set, and LANGUAGE=en names the same untranslated English that
// a C locale means to them.
package clocale

import "os"

func init() {
	if os.Getenv("LANGUAGE") != "" || !isCodesetC(effectiveMessagesLocale()) {
		return
	}
	os.Setenv("LANGUAGE", "en") //nolint:errcheck // only fails on an invalid name
}

// effectiveMessagesLocale is the locale for messages, as POSIX picks it.
func effectiveMessagesLocale() string {
	for _, name := range []string{"LC_ALL", "LC_MESSAGES", "LANG"} {
		if v := os.Getenv(name); v != "" {
			return v
		}
	}
	return ""
}

// isCodesetC reports whether locale is C or POSIX with a codeset or
// modifier (C.UTF-8, POSIX.utf8, C@x).
func isCodesetC(locale string) bool {
	for _, base := range []string{"C", "POSIX"} {
		if len(locale) > len(base) && locale[:len(base)] == base && (locale[len(base)] == '.' || locale[len(base)] == '@') {
			return true
		}
	}
	return false
}

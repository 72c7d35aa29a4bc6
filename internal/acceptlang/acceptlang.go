// Package acceptlang reads which of the app's languages a browser asks for
// in its Accept-Language, for the pages the app and its sandbox serve.
package acceptlang

import (
	"net/http"
	"slices"
	"strconv"
	"strings"
)

// Preferred is the language the browser asks for in its
// Accept-Language: "ja" or "en", the first the browser ranks highest;
// "en" when it names neither. The real services' pages did the same.
func Preferred(r *http.Request) string {
	type choice struct {
		lang string
		q    float64
	}
	var choices []choice
	for _, part := range strings.Split(r.Header.Get("Accept-Language"), ",") {
		tag, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		q := 1.0
		if v, ok := strings.CutPrefix(strings.TrimSpace(params), "q="); ok {
			if f, err := strconv.ParseFloat(v, 64); err == nil {
				q = f
			}
		}
		base, _, _ := strings.Cut(strings.ToLower(tag), "-")
		if (base == "ja" || base == "en") && q > 0 {
			choices = append(choices, choice{base, q})
		}
	}
	slices.SortStableFunc(choices, func(a, b choice) int { return -cmpFloat(a.q, b.q) })
	if len(choices) == 0 {
		return "en"
	}
	return choices[0].lang
}

func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

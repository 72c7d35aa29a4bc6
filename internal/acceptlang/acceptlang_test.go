package acceptlang

import (
	"net/http"
	"testing"
)

func TestPreferred(t *testing.T) {
	for header, want := range map[string]string{
		"":                           "en",
		"ja":                         "ja",
		"ja-JP,ja;q=0.9,en;q=0.8":    "ja",
		"en-US,en;q=0.9,ja;q=0.8":    "en",
		"fr-FR, ja;q=0.5":            "ja",
		"ja;q=0.1, en":               "en",
		"de, fr":                     "en",
		"JA-jp":                      "ja",
		"ja;q=0, en;q=0.1":           "en",
		"en;q=0.5, ja;q=0.7, de;q=1": "ja",
	} {
		r, _ := http.NewRequest(http.MethodGet, "http://127.0.0.1/", nil)
		r.Header.Set("Accept-Language", header)
		if got := Preferred(r); got != want {
			t.Errorf("Accept-Language %q: %q, want %q", header, got, want)
		}
	}
}

package qex_test

import (
	"strings"
	"testing"

	"github.com/qexcompanion/qex-companion/flows/qex"
)

// Hosts and ports a client could never reach are refused with a line
// saying what to fix.
func TestParseBaseURLRefusesUnreachableHostsAndPorts(t *testing.T) {
	bad := map[string]string{
		"http://::1:8080":              "an IPv6 address goes in brackets, e.g. http://[::1]:8080",
		"https://::1":                  "an IPv6 address goes in brackets",
		"http://127.0.0.1:65536":       "the port must be a number from 1 to 65535",
		"http://127.0.0.1:0":           "the port must be a number from 1 to 65535",
		"http://partners.example:":     "the port must be a number from 1 to 65535",
		"http://[1.2.3.4]:80":          "is not an http(s) URL",
		"http://-partners.example":     `"-partners.example" is not a host name or IP address`,
		"http://partners..example":     `"partners..example" is not a host name or IP address`,
		"http://pärtners.example":      `"pärtners.example" is not a host name or IP address`,
		"http://partners.example!/api": `"partners.example!" is not a host name or IP address`,
	}
	for in, want := range bad {
		_, err := qex.ParseBaseURL(in)
		if err == nil || !strings.Contains(err.Error(), want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("ParseBaseURL(%q) = %v, want an error saying %q", in, err, want)
		}
	}
	for _, good := range []string{"http://127.0.0.1:1", "http://[::1]:65535", "https://partners.example.", "http://qex_proxy.internal:8080", "https://xn--prtners-5wa.example"} {
		if _, err := qex.ParseBaseURL(good); err != nil {
			t.Errorf("ParseBaseURL(%q): %v", good, err)
		}
	}
}

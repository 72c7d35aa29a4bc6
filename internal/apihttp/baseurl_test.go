package apihttp_test

import (
	"strings"
	"testing"

	"github.com/qexcompanion/qex-companion/internal/apihttp"
)

// A base URL with a user name or password is refused for what it is, and
// the refusal never repeats the password.
func TestParseBaseURLRefusesUserInfoWithoutRepeatingThePassword(t *testing.T) {
	for in, shown := range map[string]string{
		"http://user:hunter2@127.0.0.1:8080":    "http://user:xxxxx@127.0.0.1:8080",
		"https://user:hunter2@partners.example": "https://user:xxxxx@partners.example",
		"https://user:p@ss:hunter2@[::1]/api":   "https://user:xxxxx@[::1]/api",
		"https://user@partners.example":         "https://user@partners.example",
	} {
		_, err := apihttp.ParseBaseURL(in, "https://partners.example")
		if err == nil || !strings.Contains(err.Error(), "user info") || !strings.Contains(err.Error(), shown) ||
			strings.Contains(err.Error(), "hunter2") || strings.Contains(err.Error(), "IPv6") {
			t.Errorf("ParseBaseURL(%q) = %v; want a refusal naming the user info, showing %q", in, err, shown)
		}
	}
}

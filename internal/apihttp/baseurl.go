package apihttp

import (
	"net"
	"net/url"
	"strconv"
	"strings"

	"github.com/qexcompanion/qex-companion/flows/msg"
)

// ParseBaseURL checks that s is an absolute http or https URL whose host is
// a host name or an IP address (IPv6 in brackets), with a port from 1 to
// 65535 if any and no query, and returns it without a trailing slash.
// example is a good base to show in the error.
func ParseBaseURL(s, example string) (*url.URL, error) {
	_, rest, _ := strings.Cut(strings.TrimSpace(s), "://")
	authority, _, _ := strings.Cut(rest, "/")
	// User info first: its colon would pass for an IPv6 address's, and a
	// password never goes back out in an error message. (An @ in a query
	// is refused too, as a query is.)
	if at := strings.LastIndex(authority, "@"); at >= 0 {
		userInfo := authority[:at]
		if name, _, hasPassword := strings.Cut(userInfo, ":"); hasPassword {
			s = strings.Replace(s, userInfo+"@", name+":xxxxx@", 1)
		}
		return nil, msg.BaseExtras.Err(msg.Args{"Base": s})
	}
	// An IPv6 address without brackets: Go's URL parser either refuses it
	// or reads its colons as a port, neither of which says what to do.
	if !strings.HasPrefix(authority, "[") && strings.Count(authority, ":") > 1 {
		return nil, msg.BaseIPv6.Err(msg.Args{"Base": s})
	}
	u, err := url.Parse(strings.TrimSpace(s))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, msg.BaseNotURL.Err(msg.Args{"Base": s, "Example": example})
	}
	if u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		return nil, msg.BaseExtras.Err(msg.Args{"Base": s})
	}
	bracketed := strings.HasPrefix(u.Host, "[")
	host, port := u.Hostname(), u.Port()
	if n, err := strconv.Atoi(port); strings.HasSuffix(u.Host, ":") || (port != "" && (err != nil || n < 1 || n > 65535)) {
		return nil, msg.BaseBadPort.Err(msg.Args{"Base": s})
	}
	ip := net.ParseIP(host)
	if ip == nil && (bracketed || !isHostName(host)) {
		return nil, msg.BaseBadHost.Err(msg.Args{"Base": s, "Host": host})
	}
	u.Path = strings.TrimSuffix(u.Path, "/")
	u.RawPath = ""
	return u, nil
}

// isHostName reports whether s is a DNS name: dot-separated labels of ASCII
// letters, digits, hyphens and underscores, neither starting nor ending with
// a hyphen (internationalized names are given in their xn-- form).
func isHostName(s string) bool {
	s = strings.TrimSuffix(s, ".")
	if s == "" || len(s) > 253 {
		return false
	}
	for label := range strings.SplitSeq(s, ".") {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		for _, c := range []byte(label) {
			if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_') {
				return false
			}
		}
	}
	return true
}

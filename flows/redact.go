package flows

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"regexp"
	"sort"
	"strings"
)

// Redacted replaces a secret in anything shown to people.
const Redacted = "[redacted]"

// SecretName is the one rule for what is secret, for every provider and
// every place a value has a name: JSON fields, form fields, query
// parameters, headers and JWT claims. It errs on the side of hiding.
func SecretName(name string) bool {
	n := strings.ToLower(strings.ReplaceAll(name, "-", "_"))
	if strings.HasPrefix(n, "public") {
		return false // public_api_key, public_id: public by name
	}
	if (strings.HasSuffix(n, "_id") || strings.HasSuffix(n, "_type")) && !strings.Contains(n, "private") && !strings.Contains(n, "secret") {
		return false // token_id, token_type: names of things, not secrets
	}
	switch n {
	case "code", // an OAuth authorization code
		"authorization", "cookie", "set_cookie", "x_quoine_auth":
		return true
	}
	for _, word := range []string{"secret", "token", "jwt", "password", "private", "api_key", "apikey", "signature", "access_key", "verifier", "credential"} {
		if strings.Contains(n, word) {
			return true
		}
	}
	return false
}

// jwtPattern matches compact JWS tokens (header.payload.signature) that start
// with a JSON object header, as every JWT does.
var jwtPattern = regexp.MustCompile(`eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*`)

// RedactText replaces every JWT-shaped token in s.
func RedactText(s string) string { return jwtPattern.ReplaceAllString(s, Redacted) }

// redactHeaders lists headers one per line, sorted, the values of secret
// ones replaced. A JWT credential is shown as its claims, themselves
// redacted by SecretName, so partners can see what was signed.
func redactHeaders(h http.Header) string {
	names := make([]string, 0, len(h))
	for name := range h {
		names = append(names, name)
	}
	sort.Strings(names)
	var b strings.Builder
	for _, name := range names {
		for _, v := range h[name] {
			if SecretName(name) {
				v = redactCredential(v)
			}
			fmt.Fprintf(&b, "%s: %s\n", name, RedactText(v))
		}
	}
	return b.String()
}

// redactCredential hides a header's credential, keeping its scheme and,
// for a JWT, its claims.
func redactCredential(v string) string {
	scheme, token, found := strings.Cut(v, " ")
	if !found || (scheme != "Bearer" && scheme != "Basic") {
		scheme, token = "", v
	} else {
		scheme += " "
	}
	if claims := jwtClaims(token); claims != "" {
		return scheme + Redacted + " JWT with claims " + claims
	}
	return scheme + Redacted
}

// jwtClaims returns a JWT's claims as compact JSON, redacted, or "" when
// token is not a JWT.
func jwtClaims(token string) string {
	parts := strings.Split(token, ".")
	if len(parts) != 3 || !strings.HasPrefix(parts[0], "eyJ") {
		return ""
	}
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return ""
	}
	var claims any
	dec := json.NewDecoder(bytes.NewReader(payload))
	dec.UseNumber()
	if dec.Decode(&claims) != nil {
		return ""
	}
	if _, ok := claims.(map[string]any); !ok {
		return ""
	}
	out, err := json.Marshal(redactValue(claims))
	if err != nil {
		return ""
	}
	return string(out)
}

// redactURL returns u with the values of secret query parameters replaced.
func redactURL(u *url.URL) *url.URL {
	if u.RawQuery == "" {
		return u
	}
	copied := *u
	copied.RawQuery = redactForm(u.RawQuery)
	return &copied
}

// redactForm replaces the values of secret fields in a URL-encoded form or
// query, keeping the order; one that does not parse is shown with its JWTs
// replaced.
func redactForm(form string) string {
	if _, err := url.ParseQuery(form); err != nil {
		return RedactText(form)
	}
	pairs := strings.Split(form, "&")
	for i, pair := range pairs {
		name, _, hasValue := strings.Cut(pair, "=")
		if unescaped, err := url.QueryUnescape(name); err == nil && hasValue && SecretName(unescaped) {
			pairs[i] = name + "=" + Redacted // shown, never sent
		}
	}
	return RedactText(strings.Join(pairs, "&"))
}

// redactBodyOf redacts a body by its content type: URL-encoded forms field
// by field, anything else as RedactBody does.
func redactBodyOf(contentType string, raw []byte) string {
	if media, _, _ := mime.ParseMediaType(contentType); media == "application/x-www-form-urlencoded" {
		return redactForm(string(raw))
	}
	return RedactBody(raw)
}

// RedactBody pretty-prints a JSON body with the values of secret-named
// fields replaced, and any JWT-shaped string too. Other bodies keep their
// text, with JWTs replaced.
func RedactBody(raw []byte) string {
	if len(bytes.TrimSpace(raw)) == 0 {
		return ""
	}
	var v any
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber() // keep amounts exact
	if err := dec.Decode(&v); err != nil || dec.Decode(new(any)) != io.EOF {
		// Not one JSON value: "404 page not found" is not the number 404.
		return RedactText(string(raw))
	}
	out, err := json.MarshalIndent(redactValue(v), "", "  ")
	if err != nil {
		return RedactText(string(raw))
	}
	return string(out)
}

func redactValue(v any) any {
	switch v := v.(type) {
	case map[string]any:
		for k, inner := range v {
			if SecretName(k) && inner != nil {
				v[k] = Redacted
				continue
			}
			v[k] = redactValue(inner)
		}
		return v
	case []any:
		for i := range v {
			v[i] = redactValue(v[i])
		}
		return v
	case string:
		return RedactText(v)
	default:
		return v
	}
}

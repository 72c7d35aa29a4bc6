package exchange_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/qexcompanion/qex-companion/flows/exchange"
	"github.com/qexcompanion/qex-companion/internal/apihttp"
)

// scripted is a fake broker written from docs/broker.md: it records each
// call's body and answers what the test scripted for its path.
type scripted struct {
	bodies  map[string]map[string]string
	answers map[string]func(w http.ResponseWriter)
}

func newScripted(t *testing.T, answers map[string]func(w http.ResponseWriter)) (*scripted, *exchange.Broker) {
	s := &scripted{bodies: map[string]map[string]string{}, answers: answers}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		raw, _ := io.ReadAll(r.Body)
		var body map[string]string
		if r.Method != http.MethodPost || r.Header.Get("Content-Type") != "application/json" || json.Unmarshal(raw, &body) != nil {
			w.WriteHeader(400)
			fmt.Fprint(w, `{"error": "invalid_request", "message": "send a JSON object"}`)
			return
		}
		s.bodies[r.URL.Path] = body
		w.Header().Set("Content-Type", "application/json")
		s.answers[r.URL.Path](w)
	}))
	t.Cleanup(srv.Close)
	b, err := exchange.NewBroker(srv.URL, http.DefaultClient, time.Now)
	if err != nil {
		t.Fatal(err)
	}
	return s, b
}

func answer(status int, body string, header ...string) func(http.ResponseWriter) {
	return func(w http.ResponseWriter) {
		for i := 0; i+1 < len(header); i += 2 {
			w.Header().Set(header[i], header[i+1])
		}
		w.WriteHeader(status)
		fmt.Fprint(w, body)
	}
}

func TestBrokerCallsAsDocumented(t *testing.T) {
	s, b := newScripted(t, map[string]func(http.ResponseWriter){
		"/v1/start":   answer(200, `{"authorize_url": "https://f1cx.com/oauth/authorize?client_id=c&state=st"}`),
		"/v1/token":   answer(200, `{"user_token": "AK:SK", "expires_at": "2024-11-14T17:25:39Z", "grant": {"id": "g1", "secret": "gs"}}`),
		"/v1/refresh": answer(200, `{"user_token": "AK2:SK2", "expires_at": "2024-11-14T21:25:39Z"}`),
		"/v1/revoke":  answer(204, ``),
	})
	ctx := context.Background()
	authorize, err := b.Start(ctx, "http://127.0.0.1:5/callback", "profile history", "st")
	if err != nil || authorize != "https://f1cx.com/oauth/authorize?client_id=c&state=st" {
		t.Errorf("start: %q %v", authorize, err)
	}
	if got := s.bodies["/v1/start"]; got["redirect_uri"] != "http://127.0.0.1:5/callback" || got["scope"] != "profile history" || got["state"] != "st" {
		t.Errorf("start sent %v", got)
	}
	tok, grant, err := b.Token(ctx, "the-code", "http://127.0.0.1:5/callback")
	if err != nil || tok.Key != (exchange.Key{Access: "AK", Secret: "SK"}) || !tok.Expires.Equal(time.Date(2024, 11, 14, 17, 25, 39, 0, time.UTC)) || grant != (exchange.Grant{ID: "g1", Secret: "gs"}) {
		t.Errorf("token: %+v %+v %v", tok, grant, err)
	}
	if got := s.bodies["/v1/token"]; got["code"] != "the-code" || got["redirect_uri"] != "http://127.0.0.1:5/callback" || len(got) != 2 {
		t.Errorf("token sent %v", got)
	}
	tok, err = b.Refresh(ctx, grant)
	if err != nil || tok.Key.Access != "AK2" || s.bodies["/v1/refresh"]["grant_id"] != "g1" || s.bodies["/v1/refresh"]["grant_secret"] != "gs" {
		t.Errorf("refresh: %+v %v, sent %v", tok, err, s.bodies["/v1/refresh"])
	}
	if err := b.Revoke(ctx, grant); err != nil || s.bodies["/v1/revoke"]["grant_id"] != "g1" {
		t.Errorf("revoke: %v, sent %v", err, s.bodies["/v1/revoke"])
	}
}

func TestBrokerRefusalsAreOneLine(t *testing.T) {
	for name, tc := range map[string]struct {
		answer func(http.ResponseWriter)
		want   string
	}{
		"invalid_grant": {answer(401, `{"error": "invalid_grant", "message": "unknown grant"}`),
			"could not refresh the user token: the token broker answered HTTP 401 (invalid_grant: unknown grant); the broker no longer knows this sign-in (revoked or forgotten): connect again"},
		"rate_limited": {answer(429, `{"error": "rate_limited", "message": "slow down"}`, "Retry-After", "7"),
			"could not refresh the user token: the token broker answered HTTP 429 (rate_limited: slow down); rate limited: try again in 7s"},
		"exchange_error": {answer(502, `{"error": "exchange_error", "message": "invalid_grant: The provided\nauthorization grant is invalid"}`),
			"could not refresh the user token: the token broker answered HTTP 502 (exchange_error: invalid_grant: The provided authorization grant is invalid); EXchange refused it: connect again, or ask the broker's operator"},
		"exchange_timeout": {answer(504, `{"error": "exchange_timeout", "message": "EXchange did not answer"}`),
			"could not refresh the user token: the token broker answered HTTP 504 (exchange_timeout: EXchange did not answer); EXchange did not answer the broker in time: try again later"},
		"not a broker": {answer(404, `<html>nope</html>`),
			"could not refresh the user token: the token broker answered HTTP 404 (Not Found); no token broker answers there: check the broker URL"},
		"a token without its colon": {answer(200, `{"user_token": "AKSK", "expires_at": "2024-11-14T21:25:39Z"}`),
			"could not refresh the user token: the user token is not <access_key>:<secret_key> in the broker's answer; check the broker URL"},
	} {
		_, b := newScripted(t, map[string]func(http.ResponseWriter){"/v1/refresh": tc.answer})
		_, err := b.Refresh(context.Background(), exchange.Grant{ID: "g", Secret: "s"})
		if err == nil || err.Error() != tc.want {
			t.Errorf("%s:\n got %v\nwant %s", name, err, tc.want)
		}
		if name == "invalid_grant" && !exchange.IsInvalidGrant(err) {
			t.Errorf("%s: not IsInvalidGrant", name)
		}
	}
	_, b := newScripted(t, map[string]func(http.ResponseWriter){"/v1/start": answer(200, `{"authorize_url": "javascript:alert(1)"}`)})
	if _, err := b.Start(context.Background(), "http://127.0.0.1:5/callback", "", "st"); err == nil || err.Error() != "could not start the sign-in: the broker's authorize_url is not a web address; check the broker URL" {
		t.Errorf("a non-web authorize_url: %v", err)
	}
	if _, err := exchange.NewBroker("ftp://x", http.DefaultClient, time.Now); err == nil {
		t.Error("an ftp broker URL was accepted")
	}
}

// A broker that cannot be reached, or that keeps redirecting, is named as
// what to check, for every call the app makes to it: the broker URL, never
// the API base URL (which chooses EXchange itself).
func TestUnreachableBrokerNamesTheBrokerURL(t *testing.T) {
	loop := httptest.NewServer(nil)
	loop.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, loop.URL+r.URL.Path, http.StatusTemporaryRedirect)
	})
	t.Cleanup(loop.Close)
	closed := httptest.NewServer(nil)
	closed.Close()
	hc := &http.Client{CheckRedirect: apihttp.CheckRedirect}
	for _, tc := range []struct{ url, want string }{
		{loop.URL, "kept redirecting (more than 5 times); check the broker URL: it must be the server's own address, not one that redirects"},
		{closed.URL, "(connection refused); check the broker URL, or start the server"},
	} {
		b, err := exchange.NewBroker(tc.url, hc, time.Now)
		if err != nil {
			t.Fatal(err)
		}
		ctx := context.Background()
		grant := exchange.Grant{ID: "g", Secret: "s"}
		for call, err := range map[string]error{
			"start":   func() error { _, err := b.Start(ctx, "http://127.0.0.1:5/callback", "profile", "st"); return err }(),
			"token":   func() error { _, _, err := b.Token(ctx, "the-code", "http://127.0.0.1:5/callback"); return err }(),
			"refresh": func() error { _, err := b.Refresh(ctx, grant); return err }(),
			"revoke":  b.Revoke(ctx, grant),
		} {
			if err == nil || !strings.HasSuffix(err.Error(), tc.want) || strings.Contains(err.Error(), "API base") {
				t.Errorf("%s at %s: %v\nwant it to end %q", call, tc.url, err, tc.want)
			}
		}
	}
}

package apihttp_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/qexcompanion/qex-companion/internal/apihttp"
)

// A server that sends a call on to another server does not get it
// followed there with the call's credentials, and the failure names the
// redirect, not what the other server answered; a redirect on the same
// server is followed.
func TestRedirectsStayOnTheServerAsked(t *testing.T) {
	var elsewhereCalls atomic.Int32
	elsewhere := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		elsewhereCalls.Add(1)
		http.Error(w, `{"message":"forbidden"}`, http.StatusForbidden)
	}))
	defer elsewhere.Close()
	asked := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/away":
			http.Redirect(w, r, elsewhere.URL+"/steal?x=1", http.StatusTemporaryRedirect)
		case "/moved":
			http.Redirect(w, r, "/here", http.StatusTemporaryRedirect)
		default:
			w.Header().Set("Content-Type", "application/json")
			w.Write([]byte(`{"ok":true}`))
		}
	}))
	defer asked.Close()
	base, _ := url.Parse(asked.URL)
	hc := &http.Client{CheckRedirect: apihttp.CheckRedirect}
	header := http.Header{"X-Quoine-Auth": {"a-signed-jwt"}}

	_, err := apihttp.Send(context.Background(), hc, "create session", apihttp.API(base), "POST", "/away", header, []byte(`{"client_secret":"s"}`))
	want := "create session failed: " + base.Host + " redirected it elsewhere (" + elsewhere.URL + ")"
	if err == nil || !strings.HasPrefix(err.Error(), want) || !strings.HasSuffix(err.Error(), "use it as the API base URL instead") || strings.Contains(err.Error(), "steal") {
		t.Errorf("a redirect to another server: %v; want an error starting %q", err, want)
	}
	if n := elsewhereCalls.Load(); n != 0 {
		t.Errorf("the other server got %d calls; want none", n)
	}

	resp, err := apihttp.Send(context.Background(), hc, "create session", apihttp.API(base), "POST", "/moved", header, []byte(`{}`))
	if err != nil || resp.Status != http.StatusOK {
		t.Errorf("a redirect on the same server: %v, %+v; want it followed to a 200", err, resp)
	}
}

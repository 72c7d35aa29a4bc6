// Package testbrowser is a scripted browser for tests: it loads an approval
// page, finds its form and submits it with the chosen button as a user's
// click would, then follows the redirect like a browser.
package testbrowser

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"golang.org/x/net/html"
)

// Visit is what the browser saw after submitting the form.
type Visit struct {
	// FinalURL is the last page loaded; Redirect is where the approval page
	// sent the browser (empty if it did not redirect).
	FinalURL string
	Redirect string
	Status   int
	Body     string
}

// Options change how the browser behaves.
type Options struct {
	// NoFollow stops at the approval page's redirect instead of loading the
	// return URL, like a browser closed before it got there.
	NoFollow bool
	// Client sends the requests (http.DefaultClient if nil).
	Client *http.Client
}

// Submit loads pageURL, finds the form holding a submit button named
// "decision" with value decision (approve or deny) and submits it.
func Submit(ctx context.Context, pageURL, decision string, opts Options) (*Visit, error) {
	base := opts.Client
	if base == nil {
		base = http.DefaultClient
	}
	var redirect string
	client := *base
	client.CheckRedirect = func(req *http.Request, via []*http.Request) error {
		if redirect == "" {
			redirect = req.URL.String()
		}
		if opts.NoFollow || req.URL.Scheme != "http" && req.URL.Scheme != "https" {
			return http.ErrUseLastResponse
		}
		return nil
	}
	page, err := get(ctx, &client, pageURL, "")
	if err != nil {
		return nil, err
	}
	action, fields, err := findForm(page.Body, decision)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", pageURL, err)
	}
	target, err := url.Parse(pageURL)
	if err != nil {
		return nil, err
	}
	if target, err = target.Parse(action); err != nil {
		return nil, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target.String(), strings.NewReader(fields.Encode()))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	visit, err := load(&client, req)
	if err != nil {
		return nil, err
	}
	visit.Redirect = redirect
	return visit, nil
}

// Get loads a page.
func Get(ctx context.Context, pageURL string) (*Visit, error) {
	return get(ctx, http.DefaultClient, pageURL, "")
}

// GetIn loads a page as a browser set to prefer languages (an
// Accept-Language value, e.g. "ja-JP,ja;q=0.9,en;q=0.8").
func GetIn(ctx context.Context, pageURL, languages string) (*Visit, error) {
	return get(ctx, http.DefaultClient, pageURL, languages)
}

func get(ctx context.Context, client *http.Client, pageURL, languages string) (*Visit, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, pageURL, nil)
	if err != nil {
		return nil, err
	}
	if languages != "" {
		req.Header.Set("Accept-Language", languages)
	}
	visit, err := load(client, req)
	if err != nil {
		return nil, err
	}
	if visit.Status != http.StatusOK {
		return nil, fmt.Errorf("GET %s: HTTP %d", pageURL, visit.Status)
	}
	return visit, nil
}

// load sends req and reads the whole answer.
func load(client *http.Client, req *http.Request) (*Visit, error) {
	resp, err := client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	return &Visit{FinalURL: resp.Request.URL.String(), Status: resp.StatusCode, Body: string(body)}, nil
}

// findForm returns the action and fields of the form whose submit button
// named "decision" has the given value, as that button's click would send.
func findForm(page, decision string) (action string, fields url.Values, err error) {
	doc, err := html.Parse(strings.NewReader(page))
	if err != nil {
		return "", nil, err
	}
	for form := range doc.Descendants() {
		if form.Type != html.ElementNode || form.Data != "form" {
			continue
		}
		fields = url.Values{}
		clicked := false
		for el := range form.Descendants() {
			if el.Type != html.ElementNode {
				continue
			}
			name, value, typ := attr(el, "name"), attr(el, "value"), attr(el, "type")
			switch {
			case el.Data == "input" && typ != "submit" && name != "":
				fields.Add(name, value)
			case (el.Data == "button" || el.Data == "input" && typ == "submit") && name == "decision" && value == decision:
				fields.Add(name, value)
				clicked = true
			}
		}
		if clicked {
			return attr(form, "action"), fields, nil
		}
	}
	return "", nil, errors.New("no form with a " + decision + " button")
}

func attr(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}

// Command brokerbench measures the token broker (scripts/measure-broker.sh):
//
//	brokerbench fake --latency 50ms          a fake EXchange on a loopback port; prints its URL
//	brokerbench load --fake URL [--broker URL,URL] --clients 32 --duration 8s
//
// load signs each client in once (a grant of its own), then has every
// client refresh its grant in a loop until the duration ends or --max
// refreshes were sent, and prints refreshes/s, p50, p99 and errors. Without
// --broker it sends the same refreshes straight to the fake: the floor.
// Only loopback addresses are accepted.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/qexcompanion/qex-companion/internal/broker/brokertest"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "brokerbench: say fake or load (see the package comment)")
		os.Exit(2)
	}
	var err error
	switch os.Args[1] {
	case "fake":
		err = fake(os.Args[2:])
	case "load":
		err = load(os.Args[2:])
	default:
		err = usage(fmt.Errorf("unknown command %q", os.Args[1]))
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "brokerbench: %v\n", err)
		var u usageErr
		if errors.As(err, &u) {
			os.Exit(2)
		}
		os.Exit(1)
	}
}

type usageErr struct{ error }

func usage(err error) error { return usageErr{err} }

func fake(args []string) error {
	fs := flag.NewFlagSet("fake", flag.ContinueOnError)
	listen := fs.String("listen", "127.0.0.1:0", "loopback address")
	latency := fs.Duration("latency", 0, "how long each token call takes")
	if err := fs.Parse(args); err != nil {
		return usage(err)
	}
	if err := loopback(*listen); err != nil {
		return err
	}
	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		return err
	}
	fmt.Printf("http://%s\n", ln.Addr())
	srv := &http.Server{Handler: brokertest.NewFake(*latency), ReadHeaderTimeout: 10 * time.Second}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	go func() { <-ctx.Done(); srv.Close() }()
	if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

func loopback(hostport string) error {
	host, _, err := net.SplitHostPort(hostport)
	if ip := net.ParseIP(host); err != nil || ip == nil || !ip.IsLoopback() {
		return usage(fmt.Errorf("%q is not a loopback address: load goes only to this machine", hostport))
	}
	return nil
}

func loopbackURL(s string) error {
	u, err := url.Parse(s)
	if err != nil || u.Scheme != "http" {
		return usage(fmt.Errorf("%q is not an http URL", s))
	}
	return loopback(u.Host)
}

// client is one simulated device (or, for the floor, one grant refreshed
// straight at EXchange).
type client struct {
	base    string // a broker, or "" for the fake itself
	grantID string
	secret  string
	refresh string // the floor's current refresh token
}

func load(args []string) error {
	fs := flag.NewFlagSet("load", flag.ContinueOnError)
	fakeURL := fs.String("fake", "", "the fake EXchange's URL (required)")
	brokers := fs.String("broker", "", "broker URLs, comma-separated (clients are spread over them); empty: straight to the fake")
	clients := fs.Int("clients", 32, "concurrent clients, each with its own grant")
	duration := fs.Duration("duration", 8*time.Second, "how long to send refreshes")
	max := fs.Int("max", 1_000_000, "the most refreshes to send")
	label := fs.String("label", "", "the row's name")
	if err := fs.Parse(args); err != nil {
		return usage(err)
	}
	if *clients < 1 || *clients > 1024 || *duration <= 0 || *duration > 10*time.Minute {
		return usage(errors.New("--clients must be 1..1024 and --duration at most 10m"))
	}
	targets := []string{*fakeURL}
	if *brokers != "" {
		targets = strings.Split(*brokers, ",")
	}
	for _, t := range append(targets, *fakeURL) {
		if err := loopbackURL(t); err != nil {
			return err
		}
	}
	transport := http.DefaultTransport.(*http.Transport).Clone()
	transport.MaxIdleConnsPerHost = *clients
	hc := &http.Client{Transport: transport, Timeout: 30 * time.Second}
	cs := make([]*client, *clients)
	for i := range cs {
		c := &client{}
		if *brokers != "" {
			c.base = targets[i%len(targets)]
		}
		if err := c.signIn(hc, *fakeURL); err != nil {
			return fmt.Errorf("signing in client %d: %w", i, err)
		}
		cs[i] = c
	}
	var (
		sent   atomic.Int64
		errs   atomic.Int64
		mu     sync.Mutex
		took   []time.Duration
		wg     sync.WaitGroup
		firstE atomic.Value
	)
	began := time.Now()
	end := began.Add(*duration)
	for _, c := range cs {
		wg.Go(func() {
			var mine []time.Duration
			for time.Now().Before(end) && sent.Add(1) <= int64(*max) {
				t0 := time.Now()
				if err := c.refreshOnce(hc, *fakeURL); err != nil {
					errs.Add(1)
					firstE.CompareAndSwap(nil, err.Error())
					continue
				}
				mine = append(mine, time.Since(t0))
			}
			mu.Lock()
			took = append(took, mine...)
			mu.Unlock()
		})
	}
	wg.Wait()
	elapsed := time.Since(began)
	slices.Sort(took)
	pct := func(p float64) time.Duration {
		if len(took) == 0 {
			return 0
		}
		return took[min(len(took)-1, int(p*float64(len(took))))]
	}
	ms := func(d time.Duration) string { return fmt.Sprintf("%.1f ms", float64(d.Microseconds())/1000) }
	fmt.Printf("| %s | %.0f | %s | %s | %d |\n", *label, float64(len(took))/elapsed.Seconds(), ms(pct(0.50)), ms(pct(0.99)), errs.Load())
	if e := firstE.Load(); e != nil {
		fmt.Fprintf(os.Stderr, "brokerbench: first error: %s\n", e)
	}
	return nil
}

const redirect = "http://127.0.0.1:53682/callback"

func (c *client) signIn(hc *http.Client, fakeURL string) error {
	code, err := brokertest.CodeFrom(hc, fakeURL, redirect)
	if err != nil {
		return err
	}
	if c.base == "" {
		var a struct {
			RefreshToken string `json:"refresh_token"`
		}
		err := postForm(hc, fakeURL+"/oauth/token", url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {redirect}}, &a)
		c.refresh = a.RefreshToken
		return err
	}
	var a struct {
		Grant struct{ ID, Secret string } `json:"grant"`
	}
	err = postJSON(hc, c.base+"/v1/token", map[string]string{"code": code, "redirect_uri": redirect}, &a)
	c.grantID, c.secret = a.Grant.ID, a.Grant.Secret
	return err
}

func (c *client) refreshOnce(hc *http.Client, fakeURL string) error {
	if c.base == "" {
		var a struct {
			RefreshToken string `json:"refresh_token"`
		}
		err := postForm(hc, fakeURL+"/oauth/token", url.Values{"grant_type": {"refresh_token"}, "refresh_token": {c.refresh}}, &a)
		if err == nil {
			c.refresh = a.RefreshToken
		}
		return err
	}
	var a struct {
		UserToken string `json:"user_token"`
	}
	return postJSON(hc, c.base+"/v1/refresh", map[string]string{"grant_id": c.grantID, "grant_secret": c.secret}, &a)
}

func postForm(hc *http.Client, u string, form url.Values, out any) error {
	form.Set("client_id", brokertest.ClientID)
	form.Set("client_secret", brokertest.ClientSecret)
	resp, err := hc.PostForm(u, form)
	return answer(resp, err, out)
}

func postJSON(hc *http.Client, u string, body, out any) error {
	raw, _ := json.Marshal(body)
	resp, err := hc.Post(u, "application/json", bytes.NewReader(raw))
	return answer(resp, err, out)
}

func answer(resp *http.Response, err error, out any) error {
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("HTTP %d: %.200s", resp.StatusCode, raw)
	}
	return json.Unmarshal(raw, out)
}

package broker

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strings"
	"time"
)

// ClientSecretEnvVar holds the EXchange client secret for the command line.
const ClientSecretEnvVar = "EXCHANGE_CLIENT_SECRET"

// ShutdownTimeout bounds how long a stopping broker waits for the requests
// in flight (a refresh waits at most for EXchange's timeout).
const ShutdownTimeout = 30 * time.Second

const usage = `Usage: qex-companion broker --exchange-base URL --client-id ID [--listen ADDR] [--db sqlite:PATH | --db postgres://...]

The EXchange token broker (docs/broker.md). The client secret comes from
$` + ClientSecretEnvVar + `, the key that seals refresh tokens from $` + KeyEnvVar + `
(32 random bytes as 64 hex digits or base64: openssl rand -base64 32).
Serve it behind a TLS reverse proxy.

`

// Main runs `qex-companion broker ARGS` until ctx ends, then shuts down
// gracefully. It returns the exit code: 2 for bad usage, 1 for a failure.
func Main(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("broker", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	listen := fs.String("listen", "127.0.0.1:8700", "address to listen on (plain HTTP: put a TLS reverse proxy in front)")
	base := fs.String("exchange-base", "", "EXchange's base URL, e.g. https://exchange.example (required)")
	clientID := fs.String("client-id", "", "the partner's EXchange client id (required)")
	dsn := fs.String("db", "sqlite:qex-broker.db", "the database: sqlite:PATH or postgres://user@host/db")
	timeout := fs.Duration("exchange-timeout", DefaultExchangeTimeout, "the longest wait for one EXchange answer")
	rate := fs.Int("rate-limit", DefaultRateLimit, "requests per grant per minute")
	failed := func(code int, format string, a ...any) int {
		fmt.Fprintf(stderr, "qex-companion broker: "+format+"\n", a...)
		return code
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprint(stdout, usage)
			fs.SetOutput(stdout)
			fs.PrintDefaults()
			return 0
		}
		return failed(2, "%v (run with -h for help)", err)
	}
	switch {
	case fs.NArg() > 0:
		return failed(2, "unexpected argument %q (run with -h for help)", fs.Arg(0))
	case *base == "":
		return failed(2, "--exchange-base is required, e.g. --exchange-base https://exchange.example")
	case *clientID == "":
		return failed(2, "--client-id is required: the id EXchange registered for the partner")
	case os.Getenv(ClientSecretEnvVar) == "":
		return failed(2, "$%s is not set: the broker needs the partner's EXchange client secret", ClientSecretEnvVar)
	case os.Getenv(KeyEnvVar) == "":
		return failed(2, "$%s is not set: the broker refuses to keep refresh tokens without a key to seal them (openssl rand -base64 32)", KeyEnvVar)
	case *timeout <= 0 || *rate <= 0:
		return failed(2, "--exchange-timeout and --rate-limit must be positive")
	}
	key, err := ParseKey(os.Getenv(KeyEnvVar))
	if err != nil {
		return failed(2, "%v", err)
	}
	if !strings.HasPrefix(*dsn, "sqlite:") && !strings.HasPrefix(*dsn, "postgres://") && !strings.HasPrefix(*dsn, "postgresql://") {
		return failed(2, "--db %q is neither sqlite:PATH nor postgres://… (run with -h for help)", redactDSN(*dsn))
	}
	logger := slog.New(slog.NewJSONHandler(stderr, nil))
	openCtx, cancel := context.WithTimeout(ctx, 30*time.Second)
	store, err := OpenStore(openCtx, *dsn)
	cancel()
	if err != nil {
		return failed(1, "the database: %v", err)
	}
	defer store.Close()
	srv, err := New(Config{
		ExchangeBase: *base, ClientID: *clientID, ClientSecret: os.Getenv(ClientSecretEnvVar), Key: key,
		Store: store, Logger: logger, ExchangeTimeout: *timeout, RateLimit: *rate,
	})
	if err != nil {
		return failed(2, "%v", err)
	}
	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		return failed(1, "cannot listen on %s: %v", *listen, err)
	}
	fmt.Fprintf(stdout, "qex-companion broker: listening on http://%s\n", ln.Addr())
	if err := Serve(ctx, ln, srv, logger); err != nil {
		return failed(1, "%v", err)
	}
	return 0
}

// Serve answers on ln until ctx ends, then stops taking requests and waits
// up to ShutdownTimeout for those in flight.
func Serve(ctx context.Context, ln net.Listener, h http.Handler, logger *slog.Logger) error {
	srv := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		// A refresh may wait for another one and then for EXchange.
		WriteTimeout:   2 * time.Minute,
		IdleTimeout:    2 * time.Minute,
		MaxHeaderBytes: 32 << 10,
		ErrorLog:       slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	select {
	case err := <-served:
		return err
	case <-ctx.Done():
	}
	logger.Info("shutting down: finishing the requests in flight")
	stopCtx, cancel := context.WithTimeout(context.Background(), ShutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(stopCtx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	<-served
	return nil
}

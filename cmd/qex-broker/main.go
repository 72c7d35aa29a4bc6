// Command qex-broker is the EXchange token broker (docs/broker.md): the
// partner's server that keeps EXchange's client secret and the users'
// refresh tokens, which EXchange forbids on their devices. Pure Go: it
// builds with CGO_ENABLED=0 into one static binary.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/qexcompanion/qex-companion/internal/apihttp"
	"github.com/qexcompanion/qex-companion/internal/broker"
	"github.com/qexcompanion/qex-companion/internal/broker/sqlstore"
)

// ClientSecretEnvVar holds the EXchange client secret.
const ClientSecretEnvVar = broker.ClientSecretEnvVar

// ShutdownTimeout bounds how long a stopping broker waits for the requests
// in flight (a refresh waits at most for EXchange's timeout).
const ShutdownTimeout = 30 * time.Second

const usage = `Usage:
  qex-broker serve --exchange-base URL --client-id ID [--listen ADDR] [--db sqlite:PATH | --db postgres://...]
  qex-broker rekey [--db ...]   seal every grant again under $` + broker.KeyEnvVar + `

The EXchange token broker (docs/broker.md). The client secret comes from
$` + ClientSecretEnvVar + `, the key that seals refresh tokens from $` + broker.KeyEnvVar + `
(32 random bytes as 64 hex digits or base64: openssl rand -base64 32), the
keys it replaces from $` + broker.OldKeysEnvVar + ` (comma-separated).
Serve it behind a TLS reverse proxy; /metrics is for Prometheus.

`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	code := Main(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// exitError carries an exit code and one line for stderr.
type exitError struct {
	code int
	msg  string
}

func (e *exitError) Error() string { return e.msg }

func usageError(format string, a ...any) error {
	return &exitError{2, fmt.Sprintf(format, a...)}
}

// Main runs the command line until ctx ends and returns the exit code: 2
// for bad usage, 1 for a failure.
func Main(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	err := run(ctx, args, stdout, stderr)
	var exit *exitError
	switch {
	case err == nil:
		return 0
	case errors.Is(err, flag.ErrHelp):
		return 0
	case errors.As(err, &exit):
		fmt.Fprintf(stderr, "qex-broker: %s\n", exit.msg)
		return exit.code
	}
	fmt.Fprintf(stderr, "qex-broker: %v\n", err)
	return 1
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	command := "serve"
	if len(args) > 0 && (args[0] == "serve" || args[0] == "rekey") {
		command, args = args[0], args[1:]
	}
	fs := flag.NewFlagSet(command, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	dsn := fs.String("db", "sqlite:qex-broker.db", "the database: sqlite:PATH or postgres://user@host/db (a password: in $PGPASSWORD or ~/.pgpass, not here)")
	var (
		listen, base, clientID, ipHeader *string
		timeout                          *time.Duration
		rate, addressRate                *int
	)
	if command == "serve" {
		listen = fs.String("listen", "127.0.0.1:8700", "address to listen on (plain HTTP: put a TLS reverse proxy in front)")
		base = fs.String("exchange-base", "", "EXchange's base URL, e.g. https://exchange.example (required)")
		clientID = fs.String("client-id", "", "the partner's EXchange client id (required)")
		timeout = fs.Duration("exchange-timeout", broker.DefaultExchangeTimeout, "the longest wait for one EXchange answer")
		rate = fs.Int("rate-limit", broker.DefaultRateLimit, "requests per grant per minute")
		addressRate = fs.Int("address-limit", broker.DefaultAddressLimit, "calls to /v1/start and /v1/token, and failed grant proofs, per client address per minute")
		ipHeader = fs.String("client-ip-header", "", "the header your reverse proxy puts the client address in (its last value counts), e.g. X-Forwarded-For; empty: the connection's address")
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprint(stdout, usage)
			fs.SetOutput(stdout)
			fs.PrintDefaults()
			return err
		}
		return usageError("%v (run with -h for help)", err)
	}
	if fs.NArg() > 0 {
		return usageError("unexpected argument %q (run with -h for help)", fs.Arg(0))
	}
	if command == "serve" {
		switch {
		case *base == "":
			return usageError("--exchange-base is required, e.g. --exchange-base https://exchange.example")
		case *clientID == "":
			return usageError("--client-id is required: the id EXchange registered for the partner")
		case os.Getenv(ClientSecretEnvVar) == "":
			return usageError("$%s is not set: the broker needs the partner's EXchange client secret", ClientSecretEnvVar)
		case *timeout <= 0 || *rate <= 0 || *addressRate <= 0:
			return usageError("--exchange-timeout, --rate-limit and --address-limit must be positive")
		}
		// Checked before the database is opened, so bad usage leaves no
		// database file behind.
		if _, err := apihttp.ParseBaseURL(*base, "https://exchange.example"); err != nil {
			return usageError("--exchange-base: %v", err)
		}
		if _, _, err := net.SplitHostPort(*listen); err != nil {
			return usageError("--listen %q is not host:port, e.g. 127.0.0.1:8700", *listen)
		}
	}
	if os.Getenv(broker.KeyEnvVar) == "" {
		return usageError("$%s is not set: the broker refuses to keep refresh tokens without a key to seal them (openssl rand -base64 32)", broker.KeyEnvVar)
	}
	key, err := broker.ParseKey(os.Getenv(broker.KeyEnvVar))
	if err != nil {
		return usageError("%v", err)
	}
	oldKeys, err := broker.ParseOldKeys(os.Getenv(broker.OldKeysEnvVar))
	if err != nil {
		return usageError("%v", err)
	}
	if !sqlstore.IsPostgres(*dsn) && (len(*dsn) < len("sqlite:") || (*dsn)[:len("sqlite:")] != "sqlite:") {
		return usageError("--db %q is neither sqlite:PATH nor postgres://… (run with -h for help)", sqlstore.RedactDSN(*dsn))
	}
	if u, err := url.Parse(*dsn); err == nil && u.User != nil {
		if _, hasPassword := u.User.Password(); hasPassword {
			return usageError("--db holds a password, which flags must not: put it in $PGPASSWORD or ~/.pgpass")
		}
	}
	openCtx, cancel := context.WithTimeout(ctx, 30*time.Second)
	store, err := sqlstore.Open(openCtx, *dsn)
	cancel()
	if err != nil {
		return fmt.Errorf("the database: %v", err)
	}
	defer store.Close()
	if command == "rekey" {
		n, err := broker.Rekey(ctx, store, key, oldKeys)
		if err != nil {
			return fmt.Errorf("rekey: %v (%d grants sealed again before)", err, n)
		}
		fmt.Fprintf(stdout, "qex-broker: %d grants sealed again under $%s; $%s can be emptied once every broker runs with the new key\n", n, broker.KeyEnvVar, broker.OldKeysEnvVar)
		return nil
	}
	logger := slog.New(slog.NewJSONHandler(stderr, nil))
	m := newMetrics(store)
	srv, err := broker.New(broker.Config{
		ExchangeBase: *base, ClientID: *clientID, ClientSecret: os.Getenv(ClientSecretEnvVar), Key: key, OldKeys: oldKeys,
		Store: store, Logger: logger, ExchangeTimeout: *timeout, RateLimit: *rate, AddressLimit: *addressRate,
		ClientIPHeader: *ipHeader, Observer: m,
	})
	if err != nil {
		return usageError("%v", err)
	}
	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		return fmt.Errorf("cannot listen on %s: %v", *listen, err)
	}
	fmt.Fprintf(stdout, "qex-broker: listening on http://%s\n", ln.Addr())
	return serve(ctx, ln, m.handler(srv), logger)
}

// serve answers on ln until ctx ends, then stops taking requests and waits
// up to ShutdownTimeout for those in flight.
func serve(ctx context.Context, ln net.Listener, h http.Handler, logger *slog.Logger) error {
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

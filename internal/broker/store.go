package broker

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // registers "pgx"
	_ "modernc.org/sqlite"             // registers "sqlite": pure Go, so the build needs no C for it
)

// Grant is one user's authorization as the store keeps it: never a secret
// in clear.
type Grant struct {
	ID              string
	SecretHash      []byte // SHA-256 of the grant secret
	RefreshSealed   []byte // EXchange's refresh token, sealed
	UserTokenSealed []byte // the last user token, sealed: what a concurrent refresh answers
	ExpiresAt       time.Time
	RefreshedAt     time.Time // a refresh that arrived before this answers the stored user token
}

// ErrNoGrant: no grant has that id (never issued, or revoked).
var ErrNoGrant = errors.New("no such grant")

// Store keeps the grants. It holds no state in memory that another broker
// process on the same database would need.
type Store interface {
	Create(ctx context.Context, g Grant) error
	Get(ctx context.Context, id string) (Grant, error)
	// Update runs change on the grant with its row locked until change
	// returns, so refreshes of one grant, in any process, run one at a time;
	// the grant is written back when change says so.
	Update(ctx context.Context, id string, change func(g *Grant) (write bool, err error)) error
	Delete(ctx context.Context, id string) error
	// CountRequest counts a request on the grant in the rate window and
	// returns the window's count so far.
	CountRequest(ctx context.Context, id string, window int64) (int, error)
	Ping(ctx context.Context) error
	Close() error
}

// dialect is what differs between the databases; the statements are
// shared ($n placeholders work in both).
type dialect struct {
	blob string // binary column type
	// lockRow ends the SELECT that starts a refresh. SQLite needs none: its
	// transactions begin IMMEDIATE (_txlock), which takes the write lock.
	lockRow string
	// migrationLock serializes brokers migrating one database at once.
	migrationLock string
}

var (
	sqliteDialect   = dialect{blob: "BLOB"}
	postgresDialect = dialect{blob: "BYTEA", lockRow: " FOR UPDATE", migrationLock: "SELECT pg_advisory_xact_lock(87000001)"}
)

// migrations[i] brings the schema to version i+1.
var migrations = []string{
	`CREATE TABLE grants (
		id TEXT PRIMARY KEY,
		secret_hash {blob} NOT NULL,
		refresh_sealed {blob} NOT NULL,
		user_token_sealed {blob} NOT NULL,
		expires_at BIGINT NOT NULL,
		refreshed_at BIGINT NOT NULL, -- microseconds since the epoch
		created_at BIGINT NOT NULL,
		rate_window BIGINT NOT NULL DEFAULT 0,
		rate_count INTEGER NOT NULL DEFAULT 0
	)`,
}

// sqlStore is the Store over database/sql, for SQLite and PostgreSQL.
type sqlStore struct {
	db *sql.DB
	d  dialect
}

// OpenStore opens and migrates the database named by dsn:
// "sqlite:PATH" (the file is created, readable only by its owner),
// "sqlite::memory:" (one private in-memory database, e.g. in-process) or
// "postgres://…" / "postgresql://…".
func OpenStore(ctx context.Context, dsn string) (Store, error) {
	var (
		s   *sqlStore
		err error
	)
	switch {
	case dsn == "sqlite::memory:":
		s, err = openSQLite(":memory:", "")
	case strings.HasPrefix(dsn, "sqlite:"):
		s, err = openSQLite(strings.TrimPrefix(dsn, "sqlite:"), "&_pragma=journal_mode(WAL)")
	case strings.HasPrefix(dsn, "postgres://"), strings.HasPrefix(dsn, "postgresql://"):
		var db *sql.DB
		db, err = sql.Open("pgx", dsn)
		if err == nil {
			db.SetMaxOpenConns(20)
			s = &sqlStore{db: db, d: postgresDialect}
		}
	default:
		return nil, fmt.Errorf("--db %q is neither sqlite:PATH nor postgres://…", redactDSN(dsn))
	}
	if err != nil {
		return nil, err
	}
	if err := s.migrate(ctx); err != nil {
		s.db.Close()
		return nil, err
	}
	return s, nil
}

// openSQLite waits up to 30 s for the write lock (a refresh holds it while
// EXchange answers, within its timeout).
func openSQLite(path, pragmas string) (*sqlStore, error) {
	if path == "" {
		return nil, errors.New("--db sqlite: needs a file path, e.g. sqlite:/var/lib/qex-broker/broker.db")
	}
	if path != ":memory:" {
		f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
		if err != nil {
			return nil, fmt.Errorf("cannot open the database file: %w", err)
		}
		f.Close()
	}
	db, err := sql.Open("sqlite", "file:"+path+"?_txlock=immediate&_pragma=busy_timeout(30000)"+pragmas)
	if err != nil {
		return nil, err
	}
	if path == ":memory:" {
		db.SetMaxOpenConns(1) // every connection would have its own memory database
	}
	return &sqlStore{db: db, d: sqliteDialect}, nil
}

// redactDSN keeps a password out of messages.
func redactDSN(dsn string) string {
	if at := strings.LastIndex(dsn, "@"); at >= 0 {
		if scheme := strings.Index(dsn, "://"); scheme >= 0 && scheme < at {
			return dsn[:scheme+3] + "…" + dsn[at:]
		}
	}
	return dsn
}

func (s *sqlStore) migrate(ctx context.Context) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("cannot reach the database: %w", err)
	}
	defer tx.Rollback()
	if s.d.migrationLock != "" {
		if _, err := tx.ExecContext(ctx, s.d.migrationLock); err != nil {
			return fmt.Errorf("database migration: %w", err)
		}
	}
	if _, err := tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)`); err != nil {
		return fmt.Errorf("database migration: %w", err)
	}
	var version int
	if err := tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_version`).Scan(&version); err != nil {
		return fmt.Errorf("database migration: %w", err)
	}
	if version > len(migrations) {
		return fmt.Errorf("the database's schema is version %d, newer than this broker's %d: run a newer broker", version, len(migrations))
	}
	for i := version; i < len(migrations); i++ {
		if _, err := tx.ExecContext(ctx, strings.ReplaceAll(migrations[i], "{blob}", s.d.blob)); err != nil {
			return fmt.Errorf("database migration to version %d: %w", i+1, err)
		}
	}
	if version < len(migrations) {
		if _, err := tx.ExecContext(ctx, `DELETE FROM schema_version`); err != nil {
			return fmt.Errorf("database migration: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO schema_version (version) VALUES ($1)`, len(migrations)); err != nil {
			return fmt.Errorf("database migration: %w", err)
		}
	}
	return tx.Commit()
}

const grantColumns = `id, secret_hash, refresh_sealed, user_token_sealed, expires_at, refreshed_at`

func (s *sqlStore) Create(ctx context.Context, g Grant) error {
	_, err := s.db.ExecContext(ctx, `INSERT INTO grants (`+grantColumns+`, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
		g.ID, g.SecretHash, g.RefreshSealed, g.UserTokenSealed, g.ExpiresAt.Unix(), g.RefreshedAt.UnixMicro(), time.Now().Unix())
	return err
}

type rowScanner interface{ Scan(dest ...any) error }

func scanGrant(row rowScanner) (Grant, error) {
	var (
		g                      Grant
		expires, refreshedAtUS int64
	)
	err := row.Scan(&g.ID, &g.SecretHash, &g.RefreshSealed, &g.UserTokenSealed, &expires, &refreshedAtUS)
	if errors.Is(err, sql.ErrNoRows) {
		return Grant{}, ErrNoGrant
	}
	g.ExpiresAt, g.RefreshedAt = time.Unix(expires, 0), time.UnixMicro(refreshedAtUS)
	return g, err
}

func (s *sqlStore) Get(ctx context.Context, id string) (Grant, error) {
	return scanGrant(s.db.QueryRowContext(ctx, `SELECT `+grantColumns+` FROM grants WHERE id = $1`, id))
}

func (s *sqlStore) Update(ctx context.Context, id string, change func(g *Grant) (bool, error)) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	g, err := scanGrant(tx.QueryRowContext(ctx, `SELECT `+grantColumns+` FROM grants WHERE id = $1`+s.d.lockRow, id))
	if err != nil {
		return err
	}
	write, err := change(&g)
	if err != nil {
		return err
	}
	if write {
		if _, err := tx.ExecContext(ctx, `UPDATE grants SET refresh_sealed = $1, user_token_sealed = $2, expires_at = $3, refreshed_at = $4 WHERE id = $5`,
			g.RefreshSealed, g.UserTokenSealed, g.ExpiresAt.Unix(), g.RefreshedAt.UnixMicro(), id); err != nil {
			return err
		}
	}
	return tx.Commit()
}

func (s *sqlStore) Delete(ctx context.Context, id string) error {
	res, err := s.db.ExecContext(ctx, `DELETE FROM grants WHERE id = $1`, id)
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err == nil && n == 0 {
		return ErrNoGrant
	}
	return err
}

// CountRequest keeps the window in the grant's row, so every broker
// process on the database counts the same requests.
func (s *sqlStore) CountRequest(ctx context.Context, id string, window int64) (int, error) {
	var count int
	err := s.db.QueryRowContext(ctx, `UPDATE grants SET
		rate_count = CASE WHEN rate_window = $1 THEN rate_count + 1 ELSE 1 END,
		rate_window = $1
		WHERE id = $2 RETURNING rate_count`, window, id).Scan(&count)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, ErrNoGrant
	}
	return count, err
}

func (s *sqlStore) Ping(ctx context.Context) error { return s.db.PingContext(ctx) }

func (s *sqlStore) Close() error { return s.db.Close() }

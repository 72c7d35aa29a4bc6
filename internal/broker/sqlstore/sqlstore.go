// Package sqlstore keeps the broker's grants in SQLite or PostgreSQL. Only
// cmd/qex-broker (and tests) import it, so the desktop app links neither
// driver.
package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // registers "pgx"
	_ "modernc.org/sqlite"             // registers "sqlite": pure Go, so the build needs no C for it

	"github.com/qexcompanion/qex-companion/internal/broker"
)

// dialect is what differs between the databases; the statements are
// shared ($n placeholders work in both).
type dialect struct {
	blob string // binary column type
	// migrationLock serializes brokers migrating one database at once.
	migrationLock string
}

var (
	sqliteDialect   = dialect{blob: "BLOB"}
	postgresDialect = dialect{blob: "BYTEA", migrationLock: "SELECT pg_advisory_xact_lock(87000001)"}
)

// migrations[i] brings the schema to version i+1.
var migrations = [][]string{
	{`CREATE TABLE grants (
		id TEXT PRIMARY KEY,
		secret_hash {blob} NOT NULL,
		refresh_sealed {blob} NOT NULL,
		user_token_sealed {blob} NOT NULL,
		expires_at BIGINT NOT NULL,
		refreshed_at BIGINT NOT NULL, -- microseconds since the epoch
		created_at BIGINT NOT NULL,
		rate_window BIGINT NOT NULL DEFAULT 0,
		rate_count INTEGER NOT NULL DEFAULT 0
	)`},
	// Leases instead of row locks held across EXchange's answer.
	{
		`ALTER TABLE grants ADD COLUMN generation BIGINT NOT NULL DEFAULT 0`,
		`ALTER TABLE grants ADD COLUMN lease_owner TEXT NOT NULL DEFAULT ''`,
		`ALTER TABLE grants ADD COLUMN lease_until BIGINT NOT NULL DEFAULT 0`, // microseconds since the epoch
		`ALTER TABLE grants ADD COLUMN doubt INTEGER NOT NULL DEFAULT 0`,
	},
}

// Store is the broker.Store over database/sql.
type Store struct {
	db *sql.DB
	d  dialect
	// writes serializes this process's writes to SQLite, which takes one
	// writer at a time: waiting here is fair and prompt, where SQLite's
	// busy handler sleeps and retries.
	writes *sync.Mutex
	// The statements of every refresh, prepared once: SQLite would parse
	// them again at each call.
	get, count, claim, commit, release *sql.Stmt
}

// Open opens and migrates the database named by dsn: "sqlite:PATH" (the
// file is created, readable only by its owner), "sqlite::memory:" (one
// private in-memory database) or "postgres://…" / "postgresql://…".
func Open(ctx context.Context, dsn string) (*Store, error) {
	var (
		s   *Store
		err error
	)
	switch {
	case dsn == "sqlite::memory:":
		s, err = openSQLite(":memory:", "")
	case strings.HasPrefix(dsn, "sqlite:"):
		// In WAL mode, NORMAL syncs at checkpoints, not at every commit: a
		// killed process loses nothing, a power cut the last commits
		// (docs/broker.md says what that costs).
		s, err = openSQLite(strings.TrimPrefix(dsn, "sqlite:"), "&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)")
	case IsPostgres(dsn):
		var db *sql.DB
		db, err = sql.Open("pgx", dsn)
		if err == nil {
			db.SetMaxOpenConns(20)
			db.SetMaxIdleConns(20)
			s = &Store{db: db, d: postgresDialect}
		}
	default:
		return nil, fmt.Errorf("--db %q is neither sqlite:PATH nor postgres://…", RedactDSN(dsn))
	}
	if err != nil {
		return nil, err
	}
	if err := s.migrate(ctx); err != nil {
		s.db.Close()
		return nil, err
	}
	for stmt, query := range map[**sql.Stmt]string{
		&s.get: getQuery, &s.count: countQuery, &s.claim: claimQuery, &s.commit: commitQuery, &s.release: releaseQuery,
	} {
		if *stmt, err = s.db.PrepareContext(ctx, query); err != nil {
			s.db.Close()
			return nil, fmt.Errorf("preparing the broker's statements: %w", err)
		}
	}
	return s, nil
}

// IsPostgres tells a PostgreSQL URL.
func IsPostgres(dsn string) bool {
	return strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://")
}

// openSQLite waits up to 10 s for another process's write (a rekey).
func openSQLite(path, pragmas string) (*Store, error) {
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
	db, err := sql.Open("sqlite", "file:"+path+"?_txlock=immediate&_pragma=busy_timeout(10000)"+pragmas)
	if err != nil {
		return nil, err
	}
	if path == ":memory:" {
		db.SetMaxOpenConns(1) // every connection would have its own memory database
	} else {
		db.SetMaxOpenConns(8)
		db.SetMaxIdleConns(8)
	}
	return &Store{db: db, d: sqliteDialect, writes: &sync.Mutex{}}, nil
}

// RedactDSN keeps a password out of messages.
func RedactDSN(dsn string) string {
	if at := strings.LastIndex(dsn, "@"); at >= 0 {
		if scheme := strings.Index(dsn, "://"); scheme >= 0 && scheme < at {
			return dsn[:scheme+3] + "…" + dsn[at:]
		}
	}
	return dsn
}

func (s *Store) migrate(ctx context.Context) error {
	defer s.lockWrites()()
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
		for _, stmt := range migrations[i] {
			if _, err := tx.ExecContext(ctx, strings.ReplaceAll(stmt, "{blob}", s.d.blob)); err != nil {
				return fmt.Errorf("database migration to version %d: %w", i+1, err)
			}
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

// lockWrites takes the SQLite writer's turn and returns its release.
func (s *Store) lockWrites() func() {
	if s.writes == nil {
		return func() {}
	}
	s.writes.Lock()
	return s.writes.Unlock
}

// exec runs one write statement and returns the rows it changed.
func (s *Store) exec(ctx context.Context, query string, args ...any) (int64, error) {
	defer s.lockWrites()()
	return rowsAffected(s.db.ExecContext(ctx, query, args...))
}

// execStmt runs one prepared write statement.
func (s *Store) execStmt(ctx context.Context, stmt *sql.Stmt, args ...any) (int64, error) {
	defer s.lockWrites()()
	return rowsAffected(stmt.ExecContext(ctx, args...))
}

func rowsAffected(res sql.Result, err error) (int64, error) {
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

const grantColumns = `id, secret_hash, refresh_sealed, user_token_sealed, expires_at, refreshed_at, generation, doubt`

func (s *Store) Create(ctx context.Context, g broker.Grant) error {
	_, err := s.exec(ctx, `INSERT INTO grants (`+grantColumns+`, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
		g.ID, g.SecretHash, g.RefreshSealed, g.UserTokenSealed, g.ExpiresAt.Unix(), g.RefreshedAt.UnixMicro(), g.Generation, g.Doubt, time.Now().Unix())
	return err
}

func scanGrant(row *sql.Row) (broker.Grant, error) {
	var (
		g                      broker.Grant
		expiresAt, refreshedAt int64
	)
	err := row.Scan(&g.ID, &g.SecretHash, &g.RefreshSealed, &g.UserTokenSealed, &expiresAt, &refreshedAt, &g.Generation, &g.Doubt)
	if errors.Is(err, sql.ErrNoRows) {
		return broker.Grant{}, broker.ErrNoGrant
	}
	g.ExpiresAt, g.RefreshedAt = time.Unix(expiresAt, 0), time.UnixMicro(refreshedAt)
	return g, err
}

const getQuery = `SELECT ` + grantColumns + ` FROM grants WHERE id = $1`

func (s *Store) Get(ctx context.Context, id string) (broker.Grant, error) {
	return scanGrant(s.get.QueryRowContext(ctx, id))
}

const claimQuery = `UPDATE grants SET
	doubt = doubt + CASE WHEN lease_owner = '' THEN 0 ELSE 1 END,
	lease_owner = $1, lease_until = $2
	WHERE id = $3 AND generation = $4 AND lease_until < $5
	RETURNING ` + grantColumns

// Claim is one conditional UPDATE: the lease is taken, or it is not.
func (s *Store) Claim(ctx context.Context, id string, l broker.Lease) (broker.Grant, bool, error) {
	unlock := s.lockWrites()
	g, err := scanGrant(s.claim.QueryRowContext(ctx, l.Owner, l.Until.UnixMicro(), id, l.Seen, l.Now.UnixMicro()))
	unlock()
	if errors.Is(err, broker.ErrNoGrant) { // held, refreshed since, or gone
		g, err = s.Get(ctx, id)
		return g, false, err
	}
	return g, err == nil, err
}

const commitQuery = `UPDATE grants SET refresh_sealed = $1, user_token_sealed = $2, expires_at = $3, refreshed_at = $4,
	generation = $5, doubt = 0, lease_owner = '', lease_until = 0
	WHERE id = $6 AND lease_owner = $7`

func (s *Store) Commit(ctx context.Context, g broker.Grant, owner string) error {
	n, err := s.execStmt(ctx, s.commit,
		g.RefreshSealed, g.UserTokenSealed, g.ExpiresAt.Unix(), g.RefreshedAt.UnixMicro(), g.Generation, g.ID, owner)
	if err == nil && n == 0 {
		return broker.ErrLeaseLost
	}
	return err
}

const releaseQuery = `UPDATE grants SET lease_owner = '', lease_until = 0, doubt = doubt + $1 WHERE id = $2 AND lease_owner = $3`

func (s *Store) Release(ctx context.Context, id, owner string, unsure bool) error {
	doubt := 0
	if unsure {
		doubt = 1
	}
	_, err := s.execStmt(ctx, s.release, doubt, id, owner)
	return err
}

func (s *Store) Reseal(ctx context.Context, id string, was, refreshSealed, userTokenSealed []byte) (bool, error) {
	n, err := s.exec(ctx, `UPDATE grants SET refresh_sealed = $1, user_token_sealed = $2 WHERE id = $3 AND refresh_sealed = $4 AND lease_owner = ''`,
		refreshSealed, userTokenSealed, id, was)
	return n == 1, err
}

func (s *Store) Delete(ctx context.Context, id string) error {
	n, err := s.exec(ctx, `DELETE FROM grants WHERE id = $1`, id)
	if err == nil && n == 0 {
		return broker.ErrNoGrant
	}
	return err
}

// CountRequest keeps the window in the grant's row, so every broker
// process on the database counts the same requests; proving the secret,
// counting and claiming are one statement (SET expressions all read the
// row as it was, in PostgreSQL and SQLite alike).
const (
	claimable  = `(CASE WHEN rate_window = $1 THEN rate_count + 1 ELSE 1 END) <= $4 AND lease_until < $5 AND refreshed_at <= $6`
	countQuery = `UPDATE grants SET
	rate_count = CASE WHEN rate_window = $1 THEN rate_count + 1 ELSE 1 END,
	rate_window = $1,
	doubt = doubt + CASE WHEN ` + claimable + ` AND lease_owner <> '' THEN 1 ELSE 0 END,
	lease_owner = CASE WHEN ` + claimable + ` THEN $7 ELSE lease_owner END,
	lease_until = CASE WHEN ` + claimable + ` THEN $8 ELSE lease_until END
	WHERE id = $2 AND secret_hash = $3 RETURNING ` + grantColumns + `, rate_count, lease_owner`
)

func (s *Store) CountRequest(ctx context.Context, id string, secretHash []byte, window int64, limit int, claim *broker.Lease) (broker.Grant, int, bool, error) {
	var owner string
	var until, now, arrived int64 = 0, 0, -1 // no claim: arrived before any refresh
	if claim != nil {
		owner, until, now, arrived = claim.Owner, claim.Until.UnixMicro(), claim.Now.UnixMicro(), claim.Arrived.UnixMicro()
	}
	defer s.lockWrites()()
	var (
		g                      broker.Grant
		expiresAt, refreshedAt int64
		count                  int
		leaseOwner             string
	)
	err := s.count.QueryRowContext(ctx, window, id, secretHash, limit, now, arrived, owner, until).
		Scan(&g.ID, &g.SecretHash, &g.RefreshSealed, &g.UserTokenSealed, &expiresAt, &refreshedAt, &g.Generation, &g.Doubt, &count, &leaseOwner)
	if errors.Is(err, sql.ErrNoRows) {
		return broker.Grant{}, 0, false, broker.ErrNoGrant
	}
	g.ExpiresAt, g.RefreshedAt = time.Unix(expiresAt, 0), time.UnixMicro(refreshedAt)
	return g, count, err == nil && claim != nil && leaseOwner == owner, err
}

func (s *Store) IDs(ctx context.Context) ([]string, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id FROM grants ORDER BY id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

func (s *Store) Count(ctx context.Context) (int, error) {
	var n int
	err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM grants`).Scan(&n)
	return n, err
}

// Exec runs a statement for tests (e.g. CHECKPOINT).
func (s *Store) Exec(ctx context.Context, query string) error {
	_, err := s.db.ExecContext(ctx, query)
	return err
}

func (s *Store) Ping(ctx context.Context) error { return s.db.PingContext(ctx) }

func (s *Store) Close() error { return s.db.Close() }

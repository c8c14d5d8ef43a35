// Package store keeps thunes' state durably: runs, orders, fills, balances,
// positions, equity, kill-switch and risk state, and the audit journal
// (internal/journal) that is written in the same transaction as each change.
//
// Two databases sit behind the one Store: SQLite (the default, one file in
// the data directory, pure Go, WAL with synchronous commits) and PostgreSQL
// (chosen by a postgres:// DSN). The SQL is shared, parameterized and
// exercised by one conformance suite against both; the dialect files hold
// what differs (opening, locking, migrations, backup).
package store

import (
	"context"
	"crypto/ed25519"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/thunes/thunes/internal/journal"
)

// Kinds of database.
const (
	SQLite   = "sqlite"
	Postgres = "postgres"
)

// DefaultTimeout bounds every statement and transaction unless Options say
// otherwise.
const DefaultTimeout = 30 * time.Second

// ErrNotFound is returned when a looked-up row does not exist.
var ErrNotFound = errors.New("not found")

// Options tune Open.
type Options struct {
	// ReadOnly opens a SQLite file without writing to it at all (no WAL
	// switch, no migrations; its schema must be one this thunes knows), for
	// checking backups.
	ReadOnly bool
	// Create allows Open to create a SQLite file that does not exist yet;
	// without it a missing file is an error, so a mistyped path never
	// yields an empty database.
	Create bool
	// Timeout bounds each transaction and query; zero is DefaultTimeout.
	Timeout time.Duration
	// MaxConns bounds the connection pool; zero picks 4 for SQLite and 8
	// for PostgreSQL.
	MaxConns int
	// JournalKey signs journal checkpoints; nil writes none.
	JournalKey ed25519.PrivateKey
	// CheckpointEvery is the journal's checkpoint interval (0: the
	// journal's default).
	CheckpointEvery int64
}

// Store is an open database. It is safe for concurrent use.
type Store struct {
	db      *sql.DB
	kind    string
	where   string // the database's location without credentials
	path    string // the SQLite file
	dsn     string // the PostgreSQL DSN, for pg_dump; never printed
	timeout time.Duration
	journal *journal.Writer
}

// IsPostgresDSN reports whether dsn names a PostgreSQL server rather than
// a SQLite file.
func IsPostgresDSN(dsn string) bool {
	return strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://")
}

// Open opens the database dsn names — a postgres:// or postgresql:// URL,
// else a SQLite file path (an optional "sqlite:" prefix is dropped) — checks
// that it can be read, and applies the embedded migrations it lacks. Errors
// name the database without credentials.
func Open(ctx context.Context, dsn string, opt Options) (*Store, error) {
	if opt.Timeout <= 0 {
		opt.Timeout = DefaultTimeout
	}
	var s *Store
	var err error
	if IsPostgresDSN(dsn) {
		s, err = openPostgres(ctx, dsn, opt)
	} else {
		s, err = openSQLite(ctx, strings.TrimPrefix(dsn, "sqlite:"), opt)
	}
	if err != nil {
		return nil, err
	}
	s.timeout = opt.Timeout
	s.journal = &journal.Writer{Key: opt.JournalKey, Every: opt.CheckpointEvery, Positional: s.kind == SQLite}
	if opt.ReadOnly {
		if err := s.checkVersion(ctx); err != nil {
			s.db.Close()
			return nil, err
		}
		return s, nil
	}
	if err := s.migrate(ctx); err != nil {
		s.db.Close()
		return nil, err
	}
	return s, nil
}

// Close closes the database.
func (s *Store) Close() error { return s.db.Close() }

// Kind returns SQLite or Postgres.
func (s *Store) Kind() string { return s.kind }

// String names the database without credentials.
func (s *Store) String() string { return s.where }

// Path returns the SQLite file, or "" for PostgreSQL.
func (s *Store) Path() string { return s.path }

// DB returns the database handle for read-only tools (journal verify and
// export). Writes go through Update.
func (s *Store) DB() *sql.DB { return s.db }

// JournalWriter returns the journal writer the store appends with.
func (s *Store) JournalWriter() *journal.Writer { return s.journal }

// Tx is one read-write transaction. Its methods use the context Update was
// given, bounded by the store's timeout.
type Tx struct {
	ctx    context.Context
	tx     *sql.Tx
	s      *Store
	locked bool
}

// Update runs fn in one transaction and commits it durably when fn returns
// nil; otherwise, or when the commit fails, nothing fn wrote is kept. On
// SQLite the transaction takes the write lock at once (BEGIN IMMEDIATE), so
// concurrent writers queue instead of failing half-way.
func (s *Store) Update(ctx context.Context, fn func(*Tx) error) error {
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("%s: begin: %w", s.where, err)
	}
	t := &Tx{ctx: ctx, tx: tx, s: s}
	if err := fn(t); err != nil {
		tx.Rollback()
		return withCtx(ctx, err)
	}
	if err := tx.Commit(); err != nil {
		return withCtx(ctx, fmt.Errorf("%s: commit: %w", s.where, err))
	}
	return nil
}

// withCtx adds the context's error to err when the context ended, since
// the driver's own message ("statement is closed") hides why.
func withCtx(ctx context.Context, err error) error {
	if cerr := ctx.Err(); cerr != nil && !errors.Is(err, cerr) {
		return fmt.Errorf("%w (%w)", err, cerr)
	}
	return err
}

// Journal appends entries to the audit journal in this transaction and
// returns the stored records. On PostgreSQL it first takes the journal's
// transaction lock, so concurrent appenders form one gapless chain.
func (t *Tx) Journal(entries ...journal.Entry) ([]journal.Record, error) {
	if !t.locked {
		if err := t.s.lockJournal(t.ctx, t.tx); err != nil {
			return nil, err
		}
		t.locked = true
	}
	return t.s.journal.Append(t.ctx, t.tx, entries...)
}

// Checkpoint writes a signed checkpoint for the journal's last record.
func (t *Tx) Checkpoint(now int64) error {
	if !t.locked {
		if err := t.s.lockJournal(t.ctx, t.tx); err != nil {
			return err
		}
		t.locked = true
	}
	return t.s.journal.Checkpoint(t.ctx, t.tx, now)
}

func (t *Tx) exec(what, query string, args ...any) (sql.Result, error) {
	res, err := t.tx.ExecContext(t.ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("%s: %s: %w", t.s.where, what, err)
	}
	return res, nil
}

// migration is one embedded schema step.
type migration struct {
	version int
	name    string
	sql     string
}

func (s *Store) migrate(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	migs, err := s.migrations()
	if err != nil {
		return err
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return s.openErr(fmt.Errorf("begin: %w", err))
	}
	defer tx.Rollback()
	if err := s.lockMigrations(ctx, tx); err != nil {
		return s.openErr(err)
	}
	if s.kind == SQLite {
		// A SQLite file of some other program is not made a thunes one.
		var tables, ours int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*), COALESCE(SUM(name = 'schema_migrations'), 0) FROM sqlite_master WHERE type = 'table'`).Scan(&tables, &ours); err != nil {
			return s.openErr(err)
		}
		if tables > 0 && ours == 0 {
			return fmt.Errorf("%s is a SQLite database of something else (it has tables but no schema_migrations); not touching it", s.where)
		}
	}
	if _, err := tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)`); err != nil {
		return s.openErr(err)
	}
	var have int
	if err := tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_migrations`).Scan(&have); err != nil {
		return s.openErr(err)
	}
	if last := migs[len(migs)-1].version; have > last {
		return fmt.Errorf("%s: schema version %d is newer than this thunes knows (%d): use a newer thunes", s.where, have, last)
	}
	for _, m := range migs {
		if m.version <= have {
			continue
		}
		if _, err := tx.ExecContext(ctx, m.sql); err != nil {
			return fmt.Errorf("%s: migration %s: %w", s.where, m.name, err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)`,
			m.version, m.name, time.Now().UnixMilli()); err != nil {
			return fmt.Errorf("%s: migration %s: %w", s.where, m.name, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return s.openErr(fmt.Errorf("commit migrations: %w", err))
	}
	return nil
}

func (s *Store) checkVersion(ctx context.Context) error {
	migs, err := s.migrations()
	if err != nil {
		return err
	}
	v, err := s.SchemaVersion(ctx)
	if err != nil {
		return s.openErr(fmt.Errorf("schema version: %w", err))
	}
	if last := migs[len(migs)-1].version; v != last {
		return fmt.Errorf("%s has schema version %d, this thunes reads %d", s.where, v, last)
	}
	return nil
}

// SchemaVersion returns the newest migration applied.
func (s *Store) SchemaVersion(ctx context.Context) (int, error) {
	var v int
	err := s.db.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_migrations`).Scan(&v)
	return v, err
}

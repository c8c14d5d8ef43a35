package store

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	_ "modernc.org/sqlite" // registers the "sqlite" driver
)

//go:embed migrations
var migrationFS embed.FS

func openSQLite(ctx context.Context, path string, opt Options) (*Store, error) {
	if path == "" {
		return nil, errors.New("database: empty --db: give a SQLite file path or a postgres:// DSN")
	}
	if strings.ContainsAny(path, "?#") {
		return nil, fmt.Errorf("sqlite database %s: the path must not contain '?' or '#'", path)
	}
	st, err := os.Stat(path)
	switch {
	case errors.Is(err, fs.ErrNotExist) && !opt.Create:
		return nil, fmt.Errorf("sqlite database %s does not exist", path)
	case errors.Is(err, fs.ErrNotExist):
		if _, err := os.Stat(filepath.Dir(path)); err != nil {
			return nil, fmt.Errorf("sqlite database %s: directory: %w", path, err)
		}
	case err != nil:
		return nil, fmt.Errorf("sqlite database %s: %w", path, err)
	case st.IsDir():
		return nil, fmt.Errorf("sqlite database %s is a directory, not a file", path)
	}
	// WAL lets readers work while the engine writes; synchronous=FULL makes
	// every commit durable (the WAL is synced before the commit returns).
	dsn := "file:" + path + "?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=synchronous(FULL)" +
		"&_pragma=foreign_keys(1)&_txlock=immediate"
	if opt.ReadOnly {
		dsn = "file:" + path + "?mode=ro&_pragma=busy_timeout(10000)"
	}
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("sqlite database %s: %w", path, err)
	}
	n := opt.MaxConns
	if n <= 0 {
		n = 4
	}
	db.SetMaxOpenConns(n)
	db.SetMaxIdleConns(n)
	s := &Store{db: db, kind: SQLite, where: "sqlite database " + path, path: path}
	// A file that is not a database fails here, before anything is written.
	var tables int
	if err := db.QueryRowContext(ctx, `SELECT COUNT(*) FROM sqlite_master`).Scan(&tables); err != nil {
		db.Close()
		return nil, s.openErr(err)
	}
	return s, nil
}

// openErr explains a failure to open or read the database.
func (s *Store) openErr(err error) error {
	msg := err.Error()
	if s.kind == SQLite && (strings.Contains(msg, "not a database") || strings.Contains(msg, "malformed") || strings.Contains(msg, "corrupt")) {
		return fmt.Errorf("%s is corrupted or not a SQLite database: %w", s.where, err)
	}
	return fmt.Errorf("%s: %w", s.where, err)
}

func (s *Store) migrations() ([]migration, error) {
	dir := "migrations/" + s.kind
	ents, err := migrationFS.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("embedded migrations: %w", err)
	}
	var out []migration
	for _, e := range ents {
		v, err := strconv.Atoi(strings.SplitN(e.Name(), "_", 2)[0])
		if err != nil || !strings.HasSuffix(e.Name(), ".sql") {
			return nil, fmt.Errorf("embedded migration %s: name must be NNNN_name.sql", e.Name())
		}
		raw, err := migrationFS.ReadFile(dir + "/" + e.Name())
		if err != nil {
			return nil, err
		}
		out = append(out, migration{version: v, name: e.Name(), sql: string(raw)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].version < out[j].version })
	if len(out) == 0 {
		return nil, errors.New("no embedded migrations")
	}
	return out, nil
}

// lockJournal takes the journal's write lock in tx. SQLite transactions
// begin with the database's write lock (BEGIN IMMEDIATE), which is enough.
func (s *Store) lockJournal(ctx context.Context, tx *sql.Tx) error {
	if s.kind != Postgres {
		return nil
	}
	if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock($1)`, journalLockID); err != nil {
		return fmt.Errorf("%s: lock journal: %w", s.where, err)
	}
	return nil
}

func (s *Store) lockMigrations(ctx context.Context, tx *sql.Tx) error {
	if s.kind != Postgres {
		return nil
	}
	if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock($1)`, migrateLockID); err != nil {
		return fmt.Errorf("lock migrations: %w", err)
	}
	return nil
}

// Advisory lock ids: arbitrary constants private to thunes.
const (
	journalLockID = int64(0x7468756e65730001)
	migrateLockID = int64(0x7468756e65730002)
)

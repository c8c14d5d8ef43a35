// Package storetest opens fresh stores for tests: SQLite in a temporary
// directory and, when THUNES_TEST_POSTGRES_DSN names a server, PostgreSQL in
// a schema of its own that is dropped when the test ends.
package storetest

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib"

	"github.com/thunes/thunes/internal/store"
)

// Backend opens fresh, empty stores of one kind.
type Backend struct {
	Name string
	Open func(tb testing.TB, opt store.Options) *store.Store
	// DSN returns a DSN of a fresh, empty database of this kind.
	DSN func(tb testing.TB) string
}

// Backends returns SQLite and, when THUNES_TEST_POSTGRES_DSN is set,
// PostgreSQL. In CI (CI=true) PostgreSQL is required.
func Backends(tb testing.TB) []Backend {
	tb.Helper()
	sqliteDSN := func(tb testing.TB) string { return filepath.Join(tb.TempDir(), "thunes.db") }
	bs := []Backend{{store.SQLite, func(tb testing.TB, opt store.Options) *store.Store {
		tb.Helper()
		opt.Create = true
		return MustOpen(tb, sqliteDSN(tb), opt)
	}, sqliteDSN}}
	dsn := os.Getenv("THUNES_TEST_POSTGRES_DSN")
	if dsn == "" {
		if os.Getenv("CI") == "true" {
			tb.Fatal("THUNES_TEST_POSTGRES_DSN is not set; CI must run the PostgreSQL half of the conformance suite")
		}
		tb.Log("THUNES_TEST_POSTGRES_DSN is not set: PostgreSQL skipped")
		return bs
	}
	pgDSN := func(tb testing.TB) string { return PostgresSchema(tb, dsn) }
	return append(bs, Backend{store.Postgres, func(tb testing.TB, opt store.Options) *store.Store {
		tb.Helper()
		return MustOpen(tb, pgDSN(tb), opt)
	}, pgDSN})
}

// PostgresSchema creates an empty schema for one test on the server dsn
// names, drops it when the test ends, and returns a DSN that uses it.
func PostgresSchema(tb testing.TB, dsn string) string {
	tb.Helper()
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	var b [6]byte
	rand.Read(b[:])
	schema := fmt.Sprintf("t_%x", b)
	if _, err := db.Exec("CREATE SCHEMA " + schema); err != nil {
		tb.Fatalf("create schema: %v", err)
	}
	tb.Cleanup(func() {
		if _, err := db.Exec("DROP SCHEMA " + schema + " CASCADE"); err != nil {
			tb.Errorf("drop schema %s: %v", schema, err)
		}
	})
	sep := "?"
	if strings.Contains(dsn, "?") {
		sep = "&"
	}
	return dsn + sep + "search_path=" + schema
}

// MustOpen opens dsn and closes it when the test ends.
func MustOpen(tb testing.TB, dsn string, opt store.Options) *store.Store {
	tb.Helper()
	s, err := store.Open(context.Background(), dsn, opt)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { s.Close() })
	return s
}

// NewKey returns a fresh Ed25519 key.
func NewKey(tb testing.TB) ed25519.PrivateKey {
	tb.Helper()
	_, k, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		tb.Fatal(err)
	}
	return k
}

package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/thunes/thunes/internal/order"
	"github.com/thunes/thunes/internal/store"
	"github.com/thunes/thunes/internal/store/storetest"
)

// paperDB runs a short paper session into a new database named by dsn
// ("" for a SQLite file in a temporary directory) and returns the DSN.
func paperDB(t *testing.T, dsn string) string {
	t.Helper()
	cat := paperCatalog(t, 2000)
	if dsn == "" {
		dsn = filepath.Join(t.TempDir(), "thunes.db")
	}
	out, stderr, err := runThunes(t, "run", "--mode", "paper", "--feed", "replay:"+cat, "--symbol", "BTCUSDT",
		"--param", "fast=5", "--param", "slow=20", "--speed", "max", "--db", dsn, "--key", keyFor(t, dsn))
	if err != nil {
		t.Fatalf("run: %v\n%s", err, stderr)
	}
	if !strings.Contains(out, "run p1: 2000 bars") {
		t.Fatalf("run printed %q", out)
	}
	return dsn
}

var keys = map[string]string{}

// keyFor gives each database its own key file.
func keyFor(t *testing.T, dsn string) string {
	if k, ok := keys[dsn]; ok {
		return k
	}
	keys[dsn] = filepath.Join(t.TempDir(), "journal.key")
	return keys[dsn]
}

func TestAuditCommands(t *testing.T) {
	db := paperDB(t, "")
	key := keyFor(t, db)
	out, stderr, err := runThunes(t, "audit", "verify", "--db", db, "--key", key)
	if err != nil || !strings.Contains(out, "journal OK:") {
		t.Fatalf("verify: %v %s %s", err, out, stderr)
	}
	out, _, err = runThunes(t, "audit", "replay", "--db", db)
	if err != nil || !strings.Contains(out, "replay OK: 1 runs") {
		t.Fatalf("replay: %v %s", err, out)
	}
	export := filepath.Join(t.TempDir(), "audit.jsonl")
	if _, stderr, err := runThunes(t, "audit", "export", "--db", db, "--out", export); err != nil {
		t.Fatalf("export: %v %s", err, stderr)
	}
	if out, _, err := runThunes(t, "audit", "verify", "--file", export); err != nil || !strings.Contains(out, "export OK") {
		t.Fatalf("verify export: %v %s", err, out)
	}
	out, _, err = runThunes(t, "audit", "export", "--db", db, "--from", "5", "--to", "9")
	if err != nil || strings.Count(out, "\n") != 6 || !strings.Contains(out, `"seq":5,`) {
		t.Fatalf("export of a range: %v\n%s", err, out)
	}

	// A truncated export is named as such.
	raw, _ := os.ReadFile(export)
	cut := filepath.Join(t.TempDir(), "cut.jsonl")
	os.WriteFile(cut, raw[:len(raw)/2], 0o600)
	if _, _, err := runThunes(t, "audit", "verify", "--file", cut); err == nil || !strings.Contains(err.Error(), "truncated") {
		t.Fatalf("verify of a truncated export: %v", err)
	}

	// A tampered row is named, and replay sees the changed books.
	s := storetest.MustOpen(t, db, store.Options{})
	for _, q := range []string{"DROP TRIGGER journal_no_update",
		`UPDATE journal SET data = replace(data, '"qty":"', '"qty":"1') WHERE seq = (SELECT MIN(seq) FROM journal WHERE kind = 'order.fill')`} {
		if _, err := s.DB().Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	var seq string
	s.DB().QueryRow(`SELECT MIN(seq) FROM journal WHERE kind = 'order.fill'`).Scan(&seq)
	_, _, err = runThunes(t, "audit", "verify", "--db", db, "--key", key)
	if err == nil || !strings.Contains(err.Error(), "journal record "+seq+": hash does not match") {
		t.Fatalf("verify of a tampered journal: %v (want record %s named)", err, seq)
	}
	if out, _, err := runThunes(t, "audit", "replay", "--db", db); err == nil || !strings.Contains(out, "balance: journal") {
		t.Fatalf("replay of a tampered journal: %v\n%s", err, out)
	}
	// A session refuses to add to it.
	var before, after int
	s.DB().QueryRow(`SELECT COUNT(*) FROM journal`).Scan(&before)
	cat := paperCatalog(t, 100)
	_, _, err = runThunes(t, "run", "--feed", "replay:"+cat, "--db", db, "--key", key, "--new")
	if err == nil || !strings.Contains(err.Error(), "journal record "+seq) || !strings.Contains(err.Error(), "nothing was written") {
		t.Fatalf("run on a tampered journal: %v", err)
	}
	s.DB().QueryRow(`SELECT COUNT(*) FROM journal`).Scan(&after)
	if after != before {
		t.Fatalf("the journal grew from %d to %d records", before, after)
	}
}

func TestAuditBadInput(t *testing.T) {
	dir := t.TempDir()
	corrupt := filepath.Join(dir, "corrupt.db")
	junk := []byte(strings.Repeat("garbage ", 1000))
	os.WriteFile(corrupt, junk, 0o600)
	for _, args := range [][]string{
		{"audit", "verify", "--db", corrupt, "--chain-only"},
		{"audit", "replay", "--db", corrupt},
		{"backup", "--db", corrupt, "--out", filepath.Join(dir, "b.db")},
	} {
		_, _, err := runThunes(t, args...)
		if err == nil || !strings.Contains(err.Error(), "corrupted or not a SQLite database") || !strings.Contains(err.Error(), corrupt) {
			t.Errorf("%s: %v", strings.Join(args, " "), err)
		}
	}
	if got, _ := os.ReadFile(corrupt); string(got) != string(junk) {
		t.Error("the corrupt file was written to")
	}
	if _, err := os.Stat(filepath.Join(dir, "b.db")); err == nil {
		t.Error("a backup of a corrupt file was written")
	}
	missing := filepath.Join(dir, "missing.db")
	if _, _, err := runThunes(t, "audit", "verify", "--db", missing, "--chain-only"); err == nil || !strings.Contains(err.Error(), "does not exist") {
		t.Errorf("missing database: %v", err)
	}
	if _, err := os.Stat(missing); err == nil {
		t.Error("verify created the missing database")
	}
	_, _, err := runThunes(t, "audit", "verify", "--db", "postgres://u:hunter2@127.0.0.1:1/x?connect_timeout=2", "--chain-only")
	if err == nil || strings.Contains(err.Error(), "hunter2") || !strings.Contains(err.Error(), "cannot connect") {
		t.Errorf("wrong DSN: %v", err)
	}
	if _, _, err := runThunes(t, "audit", "verify", "--db", filepath.Join(dir, "x.db")); err == nil || !strings.Contains(err.Error(), "journal key") {
		t.Errorf("verify without a key: %v", err)
	}
	for _, args := range [][]string{{"audit"}, {"audit", "nope"}, {"audit", "export", "--from", "9", "--to", "3"},
		{"backup", "--db", missing}, {"restore", "--db", missing}, {"run", "--mode", "live", "--feed", "replay:x"}, {"run", "--feed", "x"}} {
		if _, _, err := runThunes(t, args...); err == nil || !isUsage(err) {
			t.Errorf("%s: %v, want a usage error", strings.Join(args, " "), err)
		}
	}
}

func TestBackupAndRestore(t *testing.T) {
	db := paperDB(t, "")
	key := keyFor(t, db)
	dir := t.TempDir()
	b1 := filepath.Join(dir, "b1.db")
	out, _, err := runThunes(t, "backup", "--db", db, "--out", b1, "--key", key)
	if err != nil || !strings.Contains(out, "verified") {
		t.Fatalf("backup: %v %s", err, out)
	}
	if _, _, err := runThunes(t, "backup", "--db", db, "--out", b1); err == nil || !strings.Contains(err.Error(), "already exists") {
		t.Fatalf("backup over an existing file: %v", err)
	}
	// Retention: scheduled backups into a directory keep the newest N.
	sched := filepath.Join(dir, "scheduled")
	for range 4 {
		if _, _, err := runThunes(t, "backup", "--db", db, "--dir", sched, "--keep", "2", "--key", key); err != nil {
			t.Fatal(err)
		}
	}
	if ents, _ := os.ReadDir(sched); len(ents) != 2 {
		t.Fatalf("%d scheduled backups kept, want 2", len(ents))
	}

	// Restoring over a database with data needs --force.
	_, _, err = runThunes(t, "restore", "--db", db, "--from", b1, "--key", key)
	if err == nil || !strings.Contains(err.Error(), "--force") {
		t.Fatalf("restore without --force: %v", err)
	}
	// Into a new file it needs nothing, and the result verifies.
	fresh := filepath.Join(t.TempDir(), "fresh.db")
	out, _, err = runThunes(t, "restore", "--db", fresh, "--from", b1, "--key", key)
	if err != nil || !strings.Contains(out, "verified") {
		t.Fatalf("restore: %v %s", err, out)
	}
	if out, _, err := runThunes(t, "audit", "replay", "--db", fresh); err != nil {
		t.Fatalf("replay of the restored database: %v %s", err, out)
	}
	if _, _, err := runThunes(t, "restore", "--db", db, "--from", b1, "--force", "--key", key); err != nil {
		t.Fatalf("restore --force: %v", err)
	}

	// A tampered backup is refused and nothing is written.
	s := storetest.MustOpen(t, b1, store.Options{})
	for _, q := range []string{"DROP TRIGGER journal_no_update", `UPDATE journal SET actor = 'mallory' WHERE seq = 3`} {
		if _, err := s.DB().Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	s.Close()
	target := filepath.Join(t.TempDir(), "target.db")
	_, _, err = runThunes(t, "restore", "--db", target, "--from", b1, "--key", key)
	if err == nil || !strings.Contains(err.Error(), "journal record 3") || !strings.Contains(err.Error(), "nothing was restored") {
		t.Fatalf("restore of a tampered backup: %v", err)
	}
	if _, err := os.Stat(target); err == nil {
		t.Fatal("a tampered backup was restored")
	}
	// A corrupted backup too.
	bad := filepath.Join(dir, "bad.db")
	os.WriteFile(bad, []byte(strings.Repeat("x", 8192)), 0o600)
	if _, _, err := runThunes(t, "restore", "--db", target, "--from", bad); err == nil || !strings.Contains(err.Error(), "corrupted") {
		t.Fatalf("restore of a corrupted backup: %v", err)
	}
}

func TestBackupAndRestorePostgres(t *testing.T) {
	dsn := os.Getenv("THUNES_TEST_POSTGRES_DSN")
	if dsn == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("THUNES_TEST_POSTGRES_DSN is not set")
		}
		t.Skip("THUNES_TEST_POSTGRES_DSN is not set")
	}
	db := paperDB(t, storetest.PostgresSchema(t, dsn))
	key := keyFor(t, db)
	file := filepath.Join(t.TempDir(), "pg.dump")
	if out, _, err := runThunes(t, "backup", "--db", db, "--out", file); err != nil {
		t.Fatalf("backup: %v %s", err, out)
	}
	// Lose the state, then restore it.
	s := storetest.MustOpen(t, db, store.Options{})
	if _, err := s.DB().Exec(`DELETE FROM equity`); err != nil {
		t.Fatal(err)
	}
	s.Close()
	if _, _, err := runThunes(t, "restore", "--db", db, "--from", file, "--key", key); err == nil || !strings.Contains(err.Error(), "--force") {
		t.Fatalf("restore without --force: %v", err)
	}
	out, _, err := runThunes(t, "restore", "--db", db, "--from", file, "--force", "--key", key)
	if err != nil || !strings.Contains(out, "verified") {
		t.Fatalf("restore: %v %s", err, out)
	}
	if out, _, err := runThunes(t, "audit", "replay", "--db", db); err != nil {
		t.Fatalf("replay after restore: %v %s", err, out)
	}
	s = storetest.MustOpen(t, db, store.Options{})
	eq, err := s.Equity(context.Background(), "p1")
	if err != nil || len(eq) == 0 {
		t.Fatalf("equity after restore: %d points, %v", len(eq), err)
	}
}

func TestKillSwitchInTheDatabase(t *testing.T) {
	db := paperDB(t, "")
	key := keyFor(t, db)
	if _, _, err := runAs(t, "alice", "kill", "--db", db, "--key", key, "--reason", "test"); err != nil {
		t.Fatal(err)
	}
	out, _, err := runAs(t, "alice", "kill", "--db", db, "--status")
	if err != nil || !strings.Contains(out, "kill-switch: ON, tripped by alice") {
		t.Fatalf("status: %v %s", err, out)
	}
	// A session refuses to trade while it is on.
	cat := paperCatalog(t, 100)
	_, _, err = runThunes(t, "run", "--feed", "replay:"+cat, "--db", db, "--key", key, "--new")
	if err == nil || !strings.Contains(err.Error(), "kill-switch is ON") {
		t.Fatalf("run with the kill-switch on: %v", err)
	}
	if _, _, err := runAs(t, "bob", "kill", "--db", db, "--key", key, "--reset", "--reason", "checked"); err != nil {
		t.Fatal(err)
	}
	out, _, err = runThunes(t, "audit", "verify", "--db", db, "--key", key)
	if err != nil {
		t.Fatalf("verify: %v %s", err, out)
	}
	s := storetest.MustOpen(t, db, store.Options{})
	var trips, resets int
	s.DB().QueryRow(`SELECT COUNT(*) FROM journal WHERE kind = 'killswitch.trip' AND actor = 'alice'`).Scan(&trips)
	s.DB().QueryRow(`SELECT COUNT(*) FROM journal WHERE kind = 'killswitch.reset' AND actor = 'bob'`).Scan(&resets)
	if trips != 1 || resets != 1 {
		t.Fatalf("journal holds %d trips by alice and %d resets by bob, want 1 and 1", trips, resets)
	}
	if _, _, err := runThunes(t, "kill", "--db", db, "--data", t.TempDir(), "--status"); err == nil || !isUsage(err) {
		t.Fatalf("--db with --data: %v", err)
	}
}

// TestKillStopsARunningSession trips the kill-switch in the database while
// a session runs: the session cancels its working orders and stops, and
// does not start again until the switch is reset.
func TestKillStopsARunningSession(t *testing.T) {
	cat := paperCatalog(t, 3000)
	db := filepath.Join(t.TempDir(), "thunes.db")
	key := keyFor(t, db)
	args := []string{"run", "--feed", "replay:" + cat, "--param", "fast=5", "--param", "slow=20", "--speed", "6000", "--db", db, "--key", key}
	done := make(chan error, 1)
	go func() {
		_, _, err := runThunes(t, args...)
		done <- err
	}()
	// Trip once the session is trading.
	for start := time.Now(); ; time.Sleep(50 * time.Millisecond) {
		if time.Since(start) > 30*time.Second {
			t.Fatal("the session placed no order within 30 s")
		}
		if s, err := store.Open(context.Background(), db, store.Options{}); err == nil {
			orders, err := s.FindOrders(context.Background(), store.OrderFilter{})
			s.Close()
			if err == nil && len(orders) > 0 {
				break
			}
		}
	}
	if _, _, err := runAs(t, "dave", "kill", "--db", db, "--key", key, "--reason", "stop it"); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-done:
		if err == nil || !strings.Contains(err.Error(), "kill-switch was tripped by dave: stop it") {
			t.Fatalf("session ended with %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the session did not stop within 10 s of the trip")
	}
	s := storetest.MustOpen(t, db, store.Options{})
	open := true
	orders, err := s.FindOrders(context.Background(), store.OrderFilter{Open: &open})
	if err != nil {
		t.Fatal(err)
	}
	// What may still work is the stop protecting a position the switch
	// does not close.
	for _, o := range orders {
		if o.Side != order.Sell || o.Type != order.StopLoss {
			t.Errorf("order %s %s %s left working after the trip", o.ClientID, o.Side, o.Type)
		}
	}
	if _, _, err := runThunes(t, args...); err == nil || !strings.Contains(err.Error(), "kill-switch is ON") {
		t.Fatalf("restart with the switch on: %v", err)
	}
	if out, _, err := runThunes(t, "audit", "verify", "--db", db, "--key", key); err != nil {
		t.Fatalf("verify: %v %s", err, out)
	}
	if out, _, err := runThunes(t, "audit", "replay", "--db", db); err != nil {
		t.Fatalf("replay: %v %s", err, out)
	}
}

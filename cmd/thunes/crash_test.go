package main

import (
	"context"
	"math/rand/v2"

	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/thunes/thunes/internal/journal"
	"github.com/thunes/thunes/internal/store"
)

// buildThunes builds the binary once for tests that run it as a process.
func buildThunes(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "thunes")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// paperCatalog imports n synthetic 1m bars of BTCUSDT into a new catalog.
func paperCatalog(t *testing.T, n int) string {
	t.Helper()
	in := t.TempDir()
	cat := filepath.Join(t.TempDir(), "catalog")
	jan := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC).UnixMilli()
	f := klineFile(t, in, "BTCUSDT-1m-2024-01.csv", jan, n)
	if _, stderr, err := runThunes(t, "data", "import", "--data", cat, f); err != nil {
		t.Fatalf("import: %v\n%s", err, stderr)
	}
	return cat
}

// runRow is a run's orders and fills with the run id taken out of client
// order ids, so runs of the same configuration compare equal.
type runRow struct {
	orders, fills string
}

func runRows(t *testing.T, s *store.Store, run string) runRow {
	t.Helper()
	orders, err := s.FindOrders(context.Background(), store.OrderFilter{RunID: &run})
	if err != nil {
		t.Fatal(err)
	}
	fills, err := s.FindFills(context.Background(), run)
	if err != nil {
		t.Fatal(err)
	}
	var o, f strings.Builder
	for _, x := range orders {
		o.WriteString(strings.TrimPrefix(x.ClientID, run) + " " + x.Status.String() + " " + x.Filled.String() + "\n")
	}
	for _, x := range fills {
		f.WriteString(strings.TrimPrefix(x.ClientID, run) + " " + x.Price.String() + " " + x.Qty.String() + " " + x.Commission.String() + "\n")
	}
	return runRow{o.String(), f.String()}
}

// TestPaperSessionSurvivesSIGKILL kills 'thunes run' with SIGKILL at random
// points at least 50 times, restarting it each time, then checks that no
// order was duplicated, no fill lost or counted twice, the journal
// verifies and replaying it gives the store's books, and every run ended
// exactly as an uninterrupted one.
func TestPaperSessionSurvivesSIGKILL(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and kills it 50 times")
	}
	bin := buildThunes(t)
	cat := paperCatalog(t, 6000)
	args := []string{"run", "--mode", "paper", "--feed", "replay:" + cat, "--symbol", "BTCUSDT", "--strategy", "ema-cross",
		"--param", "fast=5", "--param", "slow=20", "--speed", "max"}

	// The reference: one uninterrupted session.
	refDB := filepath.Join(t.TempDir(), "ref.db")
	began := time.Now()
	if out, err := exec.Command(bin, append(args, "--db", refDB)...).CombinedOutput(); err != nil {
		t.Fatalf("reference run: %v\n%s", err, out)
	}
	// Kills land anywhere from the process's start to a quarter of a whole
	// run, however fast this machine is today.
	span := max(150*time.Millisecond, time.Since(began)/4)
	ref := storeAt(t, refDB)
	want := runRows(t, ref, "p1")
	if strings.Count(want.fills, "\n") < 20 {
		t.Fatalf("the reference run made %d fills: too few to prove anything", strings.Count(want.fills, "\n"))
	}

	dir := t.TempDir()
	db := filepath.Join(dir, "thunes.db")
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 5))
	kills, finished := 0, 0
	var logs strings.Builder
	deadline := time.Now().Add(4 * time.Minute)
	for kills < 50 {
		if time.Now().After(deadline) {
			t.Fatalf("only %d kills before the deadline", kills)
		}
		// --new starts another run once one has finished; an unfinished
		// run is always resumed first.
		cmd := exec.Command(bin, append(args, "--db", db, "--new")...)
		var stderr strings.Builder
		cmd.Stderr = &stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		select {
		case err := <-done:
			if err != nil {
				t.Fatalf("run exited on its own with %v:\n%s", err, stderr.String())
			}
			finished++
		case <-time.After(5*time.Millisecond + time.Duration(rng.Int64N(int64(span)))):
			cmd.Process.Signal(syscall.SIGKILL)
			if err := <-done; err == nil {
				finished++ // it finished just before the signal
			} else {
				kills++
			}
		}
		logs.WriteString(stderr.String())
	}
	if n := strings.Count(logs.String(), "caught up with run"); n < 10 {
		t.Fatalf("only %d restarts resumed a run with recorded events; the kills did not land mid-run:\n%s", n, logs.String())
	}
	// Finish whatever run was interrupted last.
	if out, err := exec.Command(bin, append(args, "--db", db)...).CombinedOutput(); err != nil {
		t.Fatalf("final run: %v\n%s", err, out)
	}

	for _, cmd := range [][]string{{"audit", "verify", "--db", db}, {"audit", "replay", "--db", db}} {
		if out, err := exec.Command(bin, cmd...).CombinedOutput(); err != nil {
			t.Fatalf("%s: %v\n%s", strings.Join(cmd, " "), err, out)
		}
	}
	s := storeAt(t, db)
	runs, err := s.FindRuns(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range runs {
		if r.Status != store.RunDone {
			t.Errorf("run %s is %s", r.ID, r.Status)
			continue
		}
		got := runRows(t, s, r.ID)
		if got.orders != want.orders {
			t.Errorf("run %s: orders differ from the uninterrupted run", r.ID)
		}
		if got.fills != want.fills {
			t.Errorf("run %s: fills differ from the uninterrupted run:\n%s\nwant\n%s", r.ID, got.fills, want.fills)
		}
	}
	// Every intent, submit and fill is journaled exactly once.
	for _, kind := range []string{journal.KindIntent, journal.KindSubmit, journal.KindFill} {
		var dups int
		err := s.DB().QueryRow(`SELECT COUNT(*) FROM (SELECT data FROM journal WHERE kind = $1 GROUP BY data HAVING COUNT(*) > 1) d`, kind).Scan(&dups)
		if err != nil || dups != 0 {
			t.Errorf("%s records journaled more than once: %d (%v)", kind, dups, err)
		}
	}
	// Restarts found orders working and resolved them before trading.
	var resolved int
	s.DB().QueryRow(`SELECT COUNT(*) FROM journal WHERE kind = $1`, journal.KindResolve).Scan(&resolved)
	if resolved == 0 {
		t.Error("no restart resolved an open order: the kills never caught one working")
	}
	var fills, journaled int
	s.DB().QueryRow(`SELECT COUNT(*) FROM fills`).Scan(&fills)
	s.DB().QueryRow(`SELECT COUNT(*) FROM journal WHERE kind = $1`, journal.KindFill).Scan(&journaled)
	if fills != journaled || fills != len(runs)*strings.Count(want.fills, "\n") {
		t.Errorf("%d fills stored, %d journaled, want %d per run × %d runs", fills, journaled, strings.Count(want.fills, "\n"), len(runs))
	}
	t.Logf("%d kills, %d runs finished between them, %d runs, %d fills, %d open orders resolved at restarts", kills, finished, len(runs), fills, resolved)
}

func storeAt(t *testing.T, path string) *store.Store {
	t.Helper()
	s, err := store.Open(context.Background(), path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

package store_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/thunes/thunes/internal/journal"
	"github.com/thunes/thunes/internal/num"
	"github.com/thunes/thunes/internal/order"
	"github.com/thunes/thunes/internal/risk"
	"github.com/thunes/thunes/internal/store"
	"github.com/thunes/thunes/internal/store/storetest"
)

// The conformance suite: every test runs against every backend.
func conform(t *testing.T, fn func(t *testing.T, s *store.Store)) {
	for _, b := range storetest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			fn(t, b.Open(t, store.Options{JournalKey: storetest.NewKey(t), CheckpointEvery: 10}))
		})
	}
}

var ctx = context.Background()

func d(s string) num.Decimal { return num.MustParse(s) }

func newRun(t *testing.T, s *store.Store, id string) {
	t.Helper()
	err := s.Update(ctx, func(tx *store.Tx) error {
		return tx.CreateRun(&store.Run{ID: id, Mode: "paper", Config: `{"symbol":"BTCUSDT"}`, Quote: "USDT",
			Capital: d("10000.00000001"), Status: store.RunRunning, StartedAt: 1, UpdatedAt: 1})
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestMigrationsApplyOnce(t *testing.T) {
	for _, b := range storetest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			dsn := b.DSN(t)
			for i := range 2 {
				s, err := store.Open(ctx, dsn, store.Options{Create: true})
				if err != nil {
					t.Fatalf("open %d: %v", i, err)
				}
				v, err := s.SchemaVersion(ctx)
				s.Close()
				if err != nil || v != 2 {
					t.Fatalf("open %d: schema version %d, %v; want 2", i, v, err)
				}
			}
		})
	}
}

func TestRunsRoundTrip(t *testing.T) {
	conform(t, func(t *testing.T, s *store.Store) {
		newRun(t, s, "p1")
		if err := s.Update(ctx, func(tx *store.Tx) error { return tx.UpdateRun("p1", store.RunDone, 42, "abc", 7, 99) }); err != nil {
			t.Fatal(err)
		}
		r, err := s.FindRun(ctx, "p1")
		if err != nil {
			t.Fatal(err)
		}
		if r.Status != store.RunDone || r.Events != 42 || r.EventsHash != "abc" || r.Bars != 7 || r.UpdatedAt != 99 || r.Capital.String() != "10000.00000001" {
			t.Fatalf("run = %+v", r)
		}
		if _, err := s.FindRun(ctx, "nope"); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("missing run: %v, want ErrNotFound", err)
		}
		err = s.Update(ctx, func(tx *store.Tx) error { return tx.UpdateRun("nope", store.RunDone, 0, "", 0, 0) })
		if !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("update missing run: %v", err)
		}
	})
}

func TestOrdersAndFillsCountOnce(t *testing.T) {
	conform(t, func(t *testing.T, s *store.Store) {
		newRun(t, s, "p1")
		o := &store.Order{RunID: "p1", Request: order.Request{Symbol: "BTCUSDT", Side: order.Buy, Type: order.Limit,
			TimeInForce: order.GTC, Quantity: d("0.00123"), Price: d("65000.01"), ClientID: "p1-1"},
			Status: order.PendingNew, Filled: num.Zero, CreatedAt: 10, UpdatedAt: 10}
		for i, want := range []bool{true, false} {
			var got bool
			err := s.Update(ctx, func(tx *store.Tx) (err error) { got, err = tx.InsertOrder(o); return err })
			if err != nil || got != want {
				t.Fatalf("insert %d: new=%v err=%v, want %v", i, got, err, want)
			}
		}
		open := true
		os, err := s.FindOrders(ctx, store.OrderFilter{Open: &open})
		if err != nil || len(os) != 1 || os[0].Price.String() != "65000.01" || os[0].Quantity.String() != "0.00123" ||
			os[0].TimeInForce != order.GTC || os[0].Status != order.PendingNew {
			t.Fatalf("open orders = %+v, %v", os, err)
		}
		f := &store.Fill{Venue: "sim:p1", RunID: "p1", Fill: order.Fill{Symbol: "BTCUSDT", ClientID: "p1-1", TradeID: 7,
			Side: order.Buy, Price: d("65000.01"), Qty: d("0.00123"), Commission: d("0.00000123"), CommissionAsset: "BTC", Maker: true, Time: 20}}
		for i, want := range []bool{true, false} {
			var got bool
			err := s.Update(ctx, func(tx *store.Tx) (err error) {
				if got, err = tx.InsertFill(f); err != nil || !got {
					return err
				}
				return tx.UpdateOrder("p1-1", order.Filled, d("0.00123"), 20)
			})
			if err != nil || got != want {
				t.Fatalf("fill %d: new=%v err=%v, want %v", i, got, err, want)
			}
		}
		fills, err := s.FindFills(ctx, "p1")
		if err != nil || len(fills) != 1 || fills[0].Commission.String() != "0.00000123" || !fills[0].Maker || fills[0].TradeID != 7 {
			t.Fatalf("fills = %+v, %v", fills, err)
		}
		if os, err = s.FindOrders(ctx, store.OrderFilter{Open: &open}); err != nil || len(os) != 0 {
			t.Fatalf("open orders after fill = %d, %v", len(os), err)
		}
		run := "p1"
		if os, err = s.FindOrders(ctx, store.OrderFilter{RunID: &run}); err != nil || len(os) != 1 || os[0].Status != order.Filled {
			t.Fatalf("orders of p1 = %+v, %v", os, err)
		}
		// A fill for an order that does not exist is refused by the schema.
		bad := *f
		bad.TradeID, bad.ClientID = 8, "p1-404"
		if err := s.Update(ctx, func(tx *store.Tx) error { _, err := tx.InsertFill(&bad); return err }); err == nil {
			t.Fatal("a fill of an unknown order was stored")
		}
	})
}

func TestBalancesPositionsEquityAreExact(t *testing.T) {
	conform(t, func(t *testing.T, s *store.Store) {
		newRun(t, s, "p1")
		err := s.Update(ctx, func(tx *store.Tx) error {
			for _, b := range []struct{ a, v string }{{"USDT", "9919.99999999999999"}, {"BTC", "0.00122877"}} {
				if err := tx.PutBalance("p1", b.a, d(b.v), 5); err != nil {
					return err
				}
			}
			if err := tx.PutBalance("p1", "USDT", d("9919.123456789012345678"), 6); err != nil {
				return err
			}
			if err := tx.PutPosition("p1", &store.Position{Symbol: "BTCUSDT", Qty: d("0.00122877"), Cost: d("79.95"), Realized: d("-0.1"), FeesQuote: d("0.08")}, 6); err != nil {
				return err
			}
			if err := tx.AddEquity("p1", store.EquityPoint{Time: 6, Equity: d("9999.9")}); err != nil {
				return err
			}
			return tx.AddEquity("p1", store.EquityPoint{Time: 6, Equity: d("9999.91")})
		})
		if err != nil {
			t.Fatal(err)
		}
		bal, err := s.Balances(ctx, "p1")
		if err != nil || bal["USDT"].String() != "9919.123456789012345678" || bal["BTC"].String() != "0.00122877" || len(bal) != 2 {
			t.Fatalf("balances = %v, %v", bal, err)
		}
		pos, err := s.Positions(ctx, "p1")
		if p := pos["BTCUSDT"]; err != nil || p.Qty.String() != "0.00122877" || p.Realized.String() != "-0.1" {
			t.Fatalf("positions = %+v, %v", pos, err)
		}
		eq, err := s.Equity(ctx, "p1")
		if err != nil || len(eq) != 1 || eq[0].Equity.String() != "9999.91" {
			t.Fatalf("equity = %+v, %v", eq, err)
		}
	})
}

func TestFailedUpdateLeavesNothing(t *testing.T) {
	conform(t, func(t *testing.T, s *store.Store) {
		newRun(t, s, "p1")
		boom := errors.New("boom")
		err := s.Update(ctx, func(tx *store.Tx) error {
			if _, err := tx.Journal(journal.Entry{Time: 1, Actor: "engine", Kind: journal.KindIntent, Data: map[string]any{"client_id": "p1-1"}}); err != nil {
				return err
			}
			if err := tx.PutBalance("p1", "USDT", d("1"), 1); err != nil {
				return err
			}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatalf("err = %v", err)
		}
		bal, _ := s.Balances(ctx, "p1")
		seq, _, _ := journal.Head(ctx, s.DB())
		if len(bal) != 0 || seq != 0 {
			t.Fatalf("after a failed update: balances %v, journal head %d", bal, seq)
		}
	})
}

func TestKillSwitchPersistsAndIsJournaled(t *testing.T) {
	conform(t, func(t *testing.T, s *store.Store) {
		ks := s.KillSwitchStore(ctx)
		k, err := risk.OpenKillSwitch(ks, risk.Discard{}, 1)
		if err != nil || k.Tripped() {
			t.Fatalf("fresh switch: tripped=%v err=%v", k.Tripped(), err)
		}
		if err := k.Trip("alice", "test trip", 100); err != nil {
			t.Fatal(err)
		}
		k2, err := risk.OpenKillSwitch(s.KillSwitchStore(ctx), risk.Discard{}, 200)
		if err != nil || !k2.Tripped() || k2.Status().By != "alice" {
			t.Fatalf("reopened switch: %+v, %v", k2.Status(), err)
		}
		if err := k2.Reset("bob", "all clear", 300); err != nil {
			t.Fatal(err)
		}
		st, found, err := s.KillSwitch(ctx)
		if err != nil || !found || st.Tripped || st.By != "bob" {
			t.Fatalf("stored = %+v %v %v", st, found, err)
		}
		rep, err := journal.Verify(ctx, s.DB(), nil, 0)
		if err != nil || rep.Err() != nil || rep.Records != 2 {
			t.Fatalf("journal after trip and reset: %+v, %v", rep, err)
		}
	})
}

func TestJournalIsAppendOnly(t *testing.T) {
	conform(t, func(t *testing.T, s *store.Store) {
		err := s.Update(ctx, func(tx *store.Tx) error {
			for i := range 10 { // the tenth gets a checkpoint
				if _, err := tx.Journal(journal.Entry{Time: int64(i), Actor: "engine", Kind: journal.KindConfigChange, Data: map[string]any{"k": "v"}}); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		for _, q := range []string{`UPDATE journal SET actor = 'mallory'`, `DELETE FROM journal`, `UPDATE journal_checkpoint SET hash = 'x'`, `DELETE FROM journal_checkpoint`} {
			if _, err := s.DB().ExecContext(ctx, q); err == nil || !strings.Contains(err.Error(), "journal") {
				t.Errorf("%s: err = %v, want the append-only trigger's refusal", q, err)
			}
		}
		if s.Kind() == store.Postgres {
			if _, err := s.DB().ExecContext(ctx, `TRUNCATE journal`); err == nil {
				t.Error("TRUNCATE journal succeeded")
			}
		}
		rep, err := journal.Verify(ctx, s.DB(), nil, 0)
		if err != nil || rep.Err() != nil || rep.Records != 10 {
			t.Fatalf("journal after refused edits: %+v, %v", rep, err)
		}
	})
}

func TestJournalStaysGaplessUnderConcurrentWriters(t *testing.T) {
	conform(t, func(t *testing.T, s *store.Store) {
		const writers, each = 4, 25
		var wg sync.WaitGroup
		errs := make(chan error, writers)
		for w := range writers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range each {
					err := s.Update(ctx, func(tx *store.Tx) error {
						_, err := tx.Journal(journal.Entry{Time: int64(i), Actor: fmt.Sprintf("w%d", w), Kind: journal.KindConfigChange})
						return err
					})
					if err != nil {
						errs <- err
						return
					}
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatal(err)
		}
		rep, err := journal.Verify(ctx, s.DB(), nil, 0)
		if err != nil || rep.Err() != nil || rep.Records != writers*each || rep.Last != writers*each {
			t.Fatalf("journal: %+v, %v", rep, err)
		}
	})
}

func TestOpenRefusesBadInput(t *testing.T) {
	dir := t.TempDir()
	missing := filepath.Join(dir, "missing.db")
	if _, err := store.Open(ctx, missing, store.Options{}); err == nil || !strings.Contains(err.Error(), "does not exist") {
		t.Errorf("missing file: %v", err)
	}
	if _, err := os.Stat(missing); err == nil {
		t.Error("opening a missing file without Create created it")
	}
	corrupt := filepath.Join(dir, "corrupt.db")
	junk := []byte(strings.Repeat("this is not a database ", 400))
	if err := os.WriteFile(corrupt, junk, 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := store.Open(ctx, corrupt, store.Options{})
	var fdb *sql.DB
	if err == nil || !strings.Contains(err.Error(), "corrupted or not a SQLite database") || !strings.Contains(err.Error(), corrupt) {
		t.Errorf("corrupt file: %v", err)
	}
	if got, _ := os.ReadFile(corrupt); string(got) != string(junk) {
		t.Error("opening a corrupt file changed it")
	}
	foreign := filepath.Join(dir, "foreign.db")
	fdb, err = sql.Open("sqlite", foreign)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := fdb.Exec(`CREATE TABLE notes (body TEXT)`); err != nil {
		t.Fatal(err)
	}
	fdb.Close()
	if _, err := store.Open(ctx, foreign, store.Options{}); err == nil || !strings.Contains(err.Error(), "something else") {
		t.Errorf("foreign database: %v", err)
	}
	fdb, _ = sql.Open("sqlite", foreign)
	var n int
	fdb.QueryRow(`SELECT COUNT(*) FROM sqlite_master`).Scan(&n)
	fdb.Close()
	if n != 1 {
		t.Errorf("the foreign database now has %d objects, want its 1 table alone", n)
	}
	if _, err := store.Open(ctx, dir, store.Options{}); err == nil || !strings.Contains(err.Error(), "is a directory") {
		t.Errorf("directory: %v", err)
	}
	// A server that is not there, with a password that must not leak.
	_, err = store.Open(ctx, "postgres://thunes:s3cret-pw@127.0.0.1:1/thunes?connect_timeout=2", store.Options{})
	if err == nil || strings.Contains(err.Error(), "s3cret-pw") || !strings.Contains(err.Error(), `postgres database "thunes" at 127.0.0.1:1`) {
		t.Errorf("unreachable server: %v", err)
	}
	_, err = store.Open(ctx, "postgres://thunes:s3cret-pw@127.0.0.1:5432/thunes?sslmode=bogus", store.Options{})
	if err == nil || strings.Contains(err.Error(), "s3cret-pw") || !strings.Contains(err.Error(), "cannot be parsed") {
		t.Errorf("bad DSN: %v", err)
	}
}

func TestBaselinesRoundTrip(t *testing.T) {
	conform(t, func(t *testing.T, s *store.Store) {
		newRun(t, s, "b1")
		err := s.Update(ctx, func(tx *store.Tx) error {
			if err := tx.PutBaseline("b1", "USDT", num.MustParse("10000.5")); err != nil {
				return err
			}
			return tx.PutBaseline("b1", "BTC", num.MustParse("0.00000001"))
		})
		if err != nil {
			t.Fatal(err)
		}
		got, err := s.Baselines(ctx, "b1")
		if err != nil || len(got) != 2 || got["USDT"].String() != "10000.5" || got["BTC"].String() != "0.00000001" {
			t.Fatalf("baselines %v, %v", got, err)
		}
		if err := s.Update(ctx, func(tx *store.Tx) error { return tx.PutBaseline("nope", "USDT", num.FromInt(1)) }); err == nil && s.Kind() == store.Postgres {
			t.Fatal("a baseline of an unknown run was stored")
		}
	})
}

package paper_test

import (
	"context"
	"errors"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/thunes/thunes/internal/feed"
	"github.com/thunes/thunes/internal/journal"
	"github.com/thunes/thunes/internal/market"
	"github.com/thunes/thunes/internal/num"
	"github.com/thunes/thunes/internal/paper"
	"github.com/thunes/thunes/internal/risk"
	"github.com/thunes/thunes/internal/store"
	"github.com/thunes/thunes/internal/store/storetest"
	"github.com/thunes/thunes/internal/venue/sim"
)

var ctx = context.Background()

func session(t testing.TB, s *store.Store, nbars int) (paper.Config, []market.Bar) {
	t.Helper()
	info, err := market.DefaultSpot()
	if err != nil {
		t.Fatal(err)
	}
	in, _ := info.Instrument("BTCUSDT")
	bars, err := feed.Synthetic(feed.SyntheticConfig{Seed: 7, Interval: market.Minute1, Bars: nbars})
	if err != nil {
		t.Fatal(err)
	}
	return paper.Config{Store: s, Feed: "replay:test", Market: "spot", Symbol: "BTCUSDT", Interval: market.Minute1,
		Strategy: "ema-cross", Params: map[string]float64{"fast": 5, "slow": 20}, Capital: num.MustParse("10000"),
		Venue: sim.DefaultConfig(), Instrument: in}, bars
}

type outcome struct {
	fills    []string
	orders   []string
	balances map[string]string
}

func observe(t testing.TB, s *store.Store, run string) outcome {
	t.Helper()
	var o outcome
	fills, err := s.FindFills(ctx, run)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range fills {
		o.fills = append(o.fills, f.ClientID+" "+f.Price.String()+" "+f.Qty.String()+" "+f.Commission.String())
	}
	orders, err := s.FindOrders(ctx, store.OrderFilter{RunID: &run})
	if err != nil {
		t.Fatal(err)
	}
	for _, x := range orders {
		o.orders = append(o.orders, x.ClientID+" "+x.Status.String()+" "+x.Filled.String())
	}
	bal, err := s.Balances(ctx, run)
	if err != nil {
		t.Fatal(err)
	}
	o.balances = map[string]string{}
	for k, v := range bal {
		o.balances[k] = v.String()
	}
	return o
}

// check asserts the invariants every session must leave: the journal
// verifies, replaying it gives the store's books, and no order or fill
// was recorded twice.
func check(t testing.TB, s *store.Store, key []byte) {
	t.Helper()
	rep, err := journal.Verify(ctx, s.DB(), nil, 0)
	if err != nil || rep.Err() != nil {
		t.Fatalf("journal: %v %v", err, rep.Err())
	}
	rr, err := paper.Replay(ctx, s)
	if err != nil {
		t.Fatal(err)
	}
	if len(rr.Diffs) > 0 {
		t.Fatalf("replay differs from the store: %v", rr.Diffs)
	}
	var dupIntents int
	err = s.DB().QueryRowContext(ctx, `SELECT COUNT(*) FROM (SELECT data FROM journal WHERE kind = $1 GROUP BY data HAVING COUNT(*) > 1) d`, journal.KindIntent).Scan(&dupIntents)
	if err != nil || dupIntents != 0 {
		t.Fatalf("intents journaled twice: %d (%v)", dupIntents, err)
	}
}

func TestSessionRecordsEverything(t *testing.T) {
	for _, b := range storetest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			s := b.Open(t, store.Options{JournalKey: storetest.NewKey(t)})
			cfg, bars := session(t, s, 3000)
			res, err := paper.Run(ctx, cfg, bars)
			if err != nil {
				t.Fatal(err)
			}
			if res.Fills == 0 || res.Orders == 0 || res.Bars != 3000 {
				t.Fatalf("result = %+v: the session should trade", res)
			}
			o := observe(t, s, res.RunID)
			if len(o.fills) != res.Fills || len(o.orders) != res.Orders {
				t.Fatalf("stored %d fills and %d orders, engine saw %d and %d", len(o.fills), len(o.orders), res.Fills, res.Orders)
			}
			for _, x := range o.orders {
				if !strings.Contains(x, "FILLED") && !strings.Contains(x, "CANCELED") && !strings.Contains(x, "EXPIRED") && !strings.Contains(x, "REJECTED") && !strings.Contains(x, " NEW ") {
					t.Errorf("order left %s", x)
				}
			}
			check(t, s, nil)
			r, err := s.FindRun(ctx, res.RunID)
			if err != nil || r.Status != store.RunDone {
				t.Fatalf("run = %+v, %v", r, err)
			}
			// The same command again does nothing: the run is finished.
			again, err := paper.Run(ctx, cfg, bars)
			if err != nil || !again.Done || again.RunID != res.RunID {
				t.Fatalf("second run: %+v, %v", again, err)
			}
		})
	}
}

// TestInterruptedSessionsAddUp stops a session at random points (its
// context is canceled, so whatever was not committed is lost, as in a
// crash), restarts it each time, and compares the end with an
// uninterrupted session's.
func TestInterruptedSessionsAddUp(t *testing.T) {
	const nbars = 3000
	ref := storetest.MustOpen(t, filepath.Join(t.TempDir(), "ref.db"), store.Options{Create: true})
	cfg, bars := session(t, ref, nbars)
	want, err := paper.Run(ctx, cfg, bars)
	if err != nil {
		t.Fatal(err)
	}
	wantOut := observe(t, ref, want.RunID)

	s := storetest.MustOpen(t, filepath.Join(t.TempDir(), "crash.db"), store.Options{Create: true})
	cfg.Store = s
	var log strings.Builder
	cfg.Log = &log
	rng := rand.New(rand.NewPCG(1, 2))
	stops := 0
	for attempt := 0; ; attempt++ {
		if attempt > 200 {
			t.Fatal("the session never finished")
		}
		// Stops come at random points; the budget grows with each attempt
		// so that a slow machine still gets to the end.
		c, cancel := context.WithTimeout(ctx, time.Duration(rng.IntN(40_000)+attempt*5_000)*time.Microsecond)
		res, err := paper.Run(c, cfg, bars)
		cancel()
		if err == nil {
			if res.RunID != want.RunID || res.Done {
				t.Fatalf("finished as %+v", res)
			}
			break
		}
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("attempt %d: %v", attempt, err)
		}
		stops++
	}
	if stops < 5 {
		t.Fatalf("only %d interruptions: the test proves little", stops)
	}
	got := observe(t, s, want.RunID)
	if strings.Join(got.fills, "\n") != strings.Join(wantOut.fills, "\n") || strings.Join(got.orders, "\n") != strings.Join(wantOut.orders, "\n") {
		t.Fatalf("after %d interruptions: %d fills, %d orders; uninterrupted: %d fills, %d orders", stops, len(got.fills), len(got.orders), len(wantOut.fills), len(wantOut.orders))
	}
	for k, v := range wantOut.balances {
		if got.balances[k] != v {
			t.Errorf("%s balance %s, uninterrupted %s", k, got.balances[k], v)
		}
	}
	check(t, s, nil)
	if n := strings.Count(log.String(), "caught up with run"); n < 3 {
		t.Fatalf("only %d restarts caught up with recorded events:\n%s", n, log.String())
	}
	t.Logf("%d interruptions, %d fills, %d orders", stops, len(got.fills), len(got.orders))
}

func TestConfigChangesAreJournaled(t *testing.T) {
	s := storetest.MustOpen(t, filepath.Join(t.TempDir(), "c.db"), store.Options{Create: true})
	cfg, bars := session(t, s, 300)
	cfg.Actor = "carol"
	count := func() (n int) {
		t.Helper()
		if err := s.DB().QueryRow(`SELECT COUNT(*) FROM journal WHERE kind = $1 AND actor = 'carol'`, journal.KindConfigChange).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	for i, step := range []struct {
		risk string
		want int
	}{{"", 1}, {"", 1}, {"5", 2}, {"5", 2}, {"", 3}} {
		cfg.Risk = nil
		if step.risk != "" {
			r := risk.Defaults()
			r.MaxOpenPositions = 4
			cfg.Risk = &r
		}
		cfg.New = true
		if _, err := paper.Run(ctx, cfg, bars); err != nil {
			t.Fatal(err)
		}
		if n := count(); n != step.want {
			t.Fatalf("step %d: %d config.change records, want %d", i, n, step.want)
		}
	}
}

package paper

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"

	"github.com/thunes/thunes/internal/account"
	"github.com/thunes/thunes/internal/journal"
	"github.com/thunes/thunes/internal/num"
	"github.com/thunes/thunes/internal/order"
	"github.com/thunes/thunes/internal/store"
)

// Diff is one difference between the journal's replay and the store.
type Diff struct {
	Run, What       string
	Journal, Stored string
}

func (d Diff) String() string {
	return fmt.Sprintf("run %s: %s: journal %s, store %s", d.Run, d.What, d.Journal, d.Stored)
}

// ReplayReport is what Replay found.
type ReplayReport struct {
	Runs  int
	Fills int
	Diffs []Diff
}

type runStart struct {
	Run     string `json:"run"`
	Quote   string `json:"quote"`
	Capital string `json:"capital"`
	Symbols []struct {
		Symbol string `json:"symbol"`
		Base   string `json:"base"`
		Quote  string `json:"quote"`
	} `json:"symbols"`
}

type fillRecord struct {
	Run             string `json:"run"`
	ClientID        string `json:"client_id"`
	Symbol          string `json:"symbol"`
	Venue           string `json:"venue"`
	TradeID         int64  `json:"trade_id"`
	Side            string `json:"side"`
	Price           string `json:"price"`
	Qty             string `json:"qty"`
	Commission      string `json:"commission"`
	CommissionAsset string `json:"commission_asset"`
	Maker           bool   `json:"maker"`
	Time            int64  `json:"time"`
}

// Replay rebuilds every run's balances and positions from the journal
// alone — its run.start and order.fill records, applied with the engine's
// accounting — and compares them with the store. A fill journaled twice
// (same venue, symbol and trade id) is itself a difference.
func Replay(ctx context.Context, s *store.Store) (*ReplayReport, error) {
	rows, err := s.DB().QueryContext(ctx, `SELECT seq, kind, data FROM journal WHERE kind = $1 OR kind = $2 ORDER BY seq`,
		journal.KindRunStart, journal.KindFill)
	if err != nil {
		return nil, fmt.Errorf("replay: read journal: %w", err)
	}
	defer rows.Close()
	accts := map[string]*account.Account{}
	seen := map[string]int64{}
	perRun := map[string]int{}
	rep := &ReplayReport{}
	for rows.Next() {
		var seq int64
		var kind string
		var data []byte
		if err := rows.Scan(&seq, &kind, &data); err != nil {
			return nil, fmt.Errorf("replay: read journal: %w", err)
		}
		switch kind {
		case journal.KindRunStart:
			var rs runStart
			if err := json.Unmarshal(data, &rs); err != nil {
				return nil, fmt.Errorf("replay: journal record %d: %w", seq, err)
			}
			capital, err := num.Parse(rs.Capital)
			if err != nil {
				return nil, fmt.Errorf("replay: journal record %d: capital: %w", seq, err)
			}
			a, err := account.New(rs.Quote, capital)
			if err != nil {
				return nil, fmt.Errorf("replay: journal record %d: %w", seq, err)
			}
			for _, sy := range rs.Symbols {
				if _, err := a.AddSymbol(sy.Symbol, sy.Base, sy.Quote); err != nil {
					return nil, fmt.Errorf("replay: journal record %d: %w", seq, err)
				}
			}
			accts[rs.Run] = a
			rep.Runs++
		case journal.KindFill:
			var fr fillRecord
			if err := json.Unmarshal(data, &fr); err != nil {
				return nil, fmt.Errorf("replay: journal record %d: %w", seq, err)
			}
			a := accts[fr.Run]
			if a == nil {
				return nil, fmt.Errorf("replay: journal record %d: fill of run %s, which has no run.start record", seq, fr.Run)
			}
			key := fmt.Sprintf("%s/%s/%d", fr.Venue, fr.Symbol, fr.TradeID)
			if first, dup := seen[key]; dup {
				rep.Diffs = append(rep.Diffs, Diff{fr.Run, "fill " + key, fmt.Sprintf("journaled twice (records %d and %d)", first, seq), "once"})
				continue
			}
			seen[key] = seq
			f, err := toFill(&fr)
			if err != nil {
				return nil, fmt.Errorf("replay: journal record %d: %w", seq, err)
			}
			if err := a.ApplyFill(f); err != nil {
				return nil, fmt.Errorf("replay: journal record %d: %w", seq, err)
			}
			rep.Fills++
			perRun[fr.Run]++
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("replay: read journal: %w", err)
	}
	rows.Close()
	runs := make([]string, 0, len(accts))
	for id := range accts {
		runs = append(runs, id)
	}
	sort.Strings(runs)
	for _, id := range runs {
		if err := diffRun(ctx, s, id, accts[id], perRun[id], rep); err != nil {
			return nil, err
		}
	}
	// Runs and fills the journal does not know.
	stored, err := s.FindRuns(ctx)
	if err != nil {
		return nil, err
	}
	for _, r := range stored {
		if accts[r.ID] == nil {
			rep.Diffs = append(rep.Diffs, Diff{r.ID, "run", "absent", "present"})
		}
	}
	return rep, nil
}

func toFill(fr *fillRecord) (*order.Fill, error) {
	side, err := order.ParseSide(fr.Side)
	if err != nil {
		return nil, err
	}
	f := &order.Fill{Symbol: fr.Symbol, ClientID: fr.ClientID, TradeID: fr.TradeID, Side: side,
		CommissionAsset: fr.CommissionAsset, Maker: fr.Maker, Time: fr.Time}
	for _, x := range []struct {
		s   string
		dst *num.Decimal
	}{{fr.Price, &f.Price}, {fr.Qty, &f.Qty}, {fr.Commission, &f.Commission}} {
		if *x.dst, err = num.Parse(x.s); err != nil {
			return nil, err
		}
	}
	return f, nil
}

func diffRun(ctx context.Context, s *store.Store, id string, a *account.Account, nfills int, rep *ReplayReport) error {
	bal, err := s.Balances(ctx, id)
	if err != nil {
		return err
	}
	want := a.Balances()
	assets := map[string]bool{}
	for k := range bal {
		assets[k] = true
	}
	for k := range want {
		assets[k] = true
	}
	names := make([]string, 0, len(assets))
	for k := range assets {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		if !bal[k].Equal(want[k]) {
			rep.Diffs = append(rep.Diffs, Diff{id, k + " balance", want[k].String(), bal[k].String()})
		}
	}
	pos, err := s.Positions(ctx, id)
	if err != nil {
		return err
	}
	for _, p := range a.Positions() {
		sp := pos[p.Symbol]
		for _, f := range []struct {
			name      string
			got, want num.Decimal
		}{{"qty", sp.Qty, p.Qty}, {"cost", sp.Cost, p.Cost}, {"realized", sp.Realized, p.Realized}, {"fees", sp.FeesQuote, p.FeesQuote}} {
			if !f.got.Equal(f.want) {
				rep.Diffs = append(rep.Diffs, Diff{id, p.Symbol + " position " + f.name, f.want.String(), f.got.String()})
			}
		}
		delete(pos, p.Symbol)
	}
	for sym := range pos {
		rep.Diffs = append(rep.Diffs, Diff{id, sym + " position", "absent", "present"})
	}
	fills, err := s.FindFills(ctx, id)
	if err != nil {
		return err
	}
	if len(fills) != nfills {
		rep.Diffs = append(rep.Diffs, Diff{id, "fills", fmt.Sprint(nfills), fmt.Sprint(len(fills))})
	}
	return nil
}

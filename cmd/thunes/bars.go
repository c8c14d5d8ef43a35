package main

import (
	"flag"
	"fmt"
	"strings"

	"github.com/thunes/thunes/internal/catalog"
	"github.com/thunes/thunes/internal/feed"
	"github.com/thunes/thunes/internal/market"
)

// barFlags are the flags that choose the bars of a backtest or a search:
// a catalog series or the synthetic market, an interval and a date range.
type barFlags struct {
	data, mkt, ivName, from, to *string
	synthetic                   *bool
	seed                        *uint64
	nbars                       *int

	iv           market.Interval
	fromMs, toMs int64
}

func addBarFlags(fs *flag.FlagSet) *barFlags {
	return &barFlags{
		data:      fs.String("data", "./data", "catalog directory (see 'thunes data import')"),
		mkt:       fs.String("market", "spot", "market of the catalog series: spot or futures-um"),
		ivName:    fs.String("interval", "1m", "bar interval; bars are aggregated from 1m when not stored"),
		from:      fs.String("from", "", "first day (YYYY-MM-DD, UTC) or instant (RFC 3339), inclusive"),
		to:        fs.String("to", "", "last day (YYYY-MM-DD, UTC, inclusive) or instant (RFC 3339, exclusive)"),
		synthetic: fs.Bool("synthetic", false, "use the built-in synthetic market instead of a catalog"),
		seed:      fs.Uint64("seed", 1, "seed of the synthetic market"),
		nbars:     fs.Int("bars", 200_000, "number of synthetic bars when --to is not given"),
	}
}

// parse checks the interval and the date range; cmd names the command in
// errors.
func (b *barFlags) parse(cmd string) error {
	var err error
	if b.iv, err = market.ParseInterval(*b.ivName); err != nil {
		return usagef("%s: --interval: %v", cmd, err)
	}
	if b.fromMs, err = parseDate(*b.from, false); err != nil {
		return usagef("%s: --from: %v", cmd, err)
	}
	if b.toMs, err = parseDate(*b.to, true); err != nil {
		return usagef("%s: --to: %v", cmd, err)
	}
	if b.fromMs != 0 && b.toMs != 0 && b.toMs <= b.fromMs {
		return usagef("%s: --to %s is not after --from %s", cmd, *b.to, *b.from)
	}
	return nil
}

// load returns the bars of symbol, the k-th symbol of the command line (the
// synthetic market draws each symbol with its own seed).
func (b *barFlags) load(cmd, symbol string, k int) ([]market.Bar, error) {
	if *b.synthetic {
		sc := feed.SyntheticConfig{Seed: *b.seed + uint64(k), Interval: b.iv, Start: b.fromMs, Bars: *b.nbars}
		if b.toMs != 0 {
			start := b.fromMs
			if start == 0 {
				start = sc.Defaults().Start
			}
			sc.Bars = int((b.toMs - start) / int64(max(b.iv, market.Minute1)))
		}
		if sc.Bars < 1 {
			return nil, usagef("%s: the date range holds no %s bar", cmd, b.iv)
		}
		bars, err := feed.Synthetic(sc)
		if err != nil {
			return nil, fmt.Errorf("%s: synthetic market: %w", cmd, err)
		}
		return bars, nil
	}
	cat, err := catalog.Open(*b.data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", cmd, err)
	}
	bars, err := cat.Load(*b.mkt, symbol, b.iv, b.fromMs, b.toMs)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", cmd, err)
	}
	if len(bars) == 0 {
		return nil, fmt.Errorf("%s: %s %s has no bars between %s and %s", cmd, symbol, b.iv, orAny(*b.from), orAny(*b.to))
	}
	return bars, nil
}

// instruments looks up each comma-separated symbol in the built-in spot
// rules.
func instruments(cmd, list string) ([]*market.Instrument, error) {
	info, err := market.DefaultSpot()
	if err != nil {
		return nil, err
	}
	var out []*market.Instrument
	for _, sym := range strings.Split(list, ",") {
		sym = strings.TrimSpace(sym)
		in, ok := info.Instrument(sym)
		if !ok {
			return nil, usagef("%s: --symbol: unknown symbol %q (known: %s)", cmd, sym, strings.Join(info.Symbols(), ", "))
		}
		out = append(out, in)
	}
	return out, nil
}

// Package catalog is the local store of market data: a directory of Parquet
// files, one series per (market, symbol, interval), that other tools (duckdb,
// pyarrow, polars) can read as they are.
//
// Layout:
//
//	DIR/<market>/<SYMBOL>/<interval>/manifest.json
//	DIR/<market>/<SYMBOL>/<interval>/<year>-<generation>.parquet
//
// Each Parquet file (a part) holds one calendar year (UTC) of candles sorted
// by open time, with the columns open_time (INT64 TIMESTAMP(MILLIS, UTC)),
// open, high, low, close, volume (DECIMAL, exact), and quote_volume, trades,
// taker_buy_base, taker_buy_quote (nullable: absent from many sources). The
// manifest lists the live parts, the series' first and last candle, its row
// count, its gaps and the source files imported, with their SHA-256.
//
// Imports are atomic per series: new parts are written under new names and
// synced, then the manifest is replaced by a rename, and only then are the
// parts it no longer lists deleted. Bad input is found before anything is
// written. Files in a series directory that the manifest does not list are
// leftovers of an interrupted import and are ignored by readers and removed
// by the next import of that series.
package catalog

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/thunes/thunes/internal/feed"
	"github.com/thunes/thunes/internal/market"
)

// The markets a catalog holds, named as on Binance's data portal.
const (
	Spot      = "spot"
	FuturesUM = "futures-um" // USDⓈ-M futures
)

// Markets lists the valid market names.
func Markets() []string { return []string{Spot, FuturesUM} }

// ValidMarket returns an error naming the valid markets when m is not one.
func ValidMarket(m string) error {
	if !slices.Contains(Markets(), m) {
		return fmt.Errorf("unknown market %q (valid: %s)", m, strings.Join(Markets(), ", "))
	}
	return nil
}

// tmpPrefix starts the names of files being written.
const tmpPrefix = ".tmp-"

// Catalog is a catalog directory. Reads (List, Load) may run concurrently
// with each other and with one Import; Imports of one catalog are serialized
// by a lock file, also across processes. A Load that races an Import of the
// same series may fail and can be retried.
type Catalog struct {
	dir string
	// hook, when set by tests, is called at named stages of Import; an
	// error it returns aborts the import there, as a crash would.
	hook func(stage string) error
}

// Open returns the catalog in dir. The directory need not exist yet: Import
// creates it, and List of a missing catalog is empty. It returns an error
// when dir exists and is not a directory.
func Open(dir string) (*Catalog, error) {
	if dir == "" {
		return nil, errors.New("open catalog: no directory given")
	}
	st, err := os.Stat(dir)
	switch {
	case errors.Is(err, os.ErrNotExist):
	case err != nil:
		return nil, fmt.Errorf("open catalog %s: %w", dir, err)
	case !st.IsDir():
		return nil, fmt.Errorf("open catalog %s: not a directory", dir)
	}
	return &Catalog{dir: dir}, nil
}

// Dir returns the catalog's directory.
func (c *Catalog) Dir() string { return c.dir }

// seriesKey names a series.
type seriesKey struct {
	market string
	symbol string
	iv     market.Interval
}

func (k seriesKey) String() string { return k.market + " " + k.symbol + " " + k.iv.String() }

func (k seriesKey) compare(o seriesKey) int {
	if c := strings.Compare(k.market, o.market); c != 0 {
		return c
	}
	if c := strings.Compare(k.symbol, o.symbol); c != 0 {
		return c
	}
	return compareIntervals(k.iv, o.iv)
}

// compareIntervals orders intervals by length, the calendar month last.
func compareIntervals(a, b market.Interval) int {
	rank := func(iv market.Interval) int64 {
		if iv == market.Month1 {
			return 1 << 62
		}
		return int64(iv)
	}
	switch ra, rb := rank(a), rank(b); {
	case ra < rb:
		return -1
	case ra > rb:
		return 1
	}
	return 0
}

// intervalDir names the directory of an interval. The month is "1mo" so it
// does not collide with "1m" on case-insensitive file systems.
func intervalDir(iv market.Interval) string {
	if iv == market.Month1 {
		return "1mo"
	}
	return iv.String()
}

func parseIntervalDir(name string) (market.Interval, bool) {
	if name == "1mo" {
		return market.Month1, true
	}
	if name == "1M" {
		return 0, false
	}
	iv, err := market.ParseInterval(name)
	return iv, err == nil
}

func (c *Catalog) seriesDir(k seriesKey) string {
	return filepath.Join(c.dir, k.market, k.symbol, intervalDir(k.iv))
}

// SeriesInfo describes a stored series. Times are open times of candles, in
// Unix milliseconds UTC.
type SeriesInfo struct {
	Market   string
	Symbol   string
	Interval market.Interval
	// First and Last are the open times of the first and last candle.
	First, Last int64
	// Rows is the number of candles stored.
	Rows int64
	// Gaps lists the holes between First and Last, in time order.
	Gaps []feed.Gap
	// Missing is the number of candles missing in the gaps.
	Missing int64
	// Sources lists the files imported into the series.
	Sources []Source
}

func (m *manifest) info(iv market.Interval) SeriesInfo {
	return SeriesInfo{
		Market: m.Market, Symbol: m.Symbol, Interval: iv,
		First: m.First, Last: m.Last, Rows: m.Rows,
		Gaps: m.Gaps, Missing: m.Missing, Sources: m.Sources,
	}
}

// List returns every series in the catalog, ordered by market, symbol and
// interval. A manifest that does not read is an error naming it.
func (c *Catalog) List() ([]SeriesInfo, error) {
	keys, err := c.keys("", "")
	if err != nil {
		return nil, err
	}
	out := make([]SeriesInfo, 0, len(keys))
	for _, k := range keys {
		m, err := c.readManifest(k)
		if err != nil {
			return nil, fmt.Errorf("list catalog %s: %w", c.dir, err)
		}
		out = append(out, m.info(k.iv))
	}
	return out, nil
}

// keys returns the series with a manifest, sorted, limited to one market
// and symbol when given. Directories that are not series are skipped.
func (c *Catalog) keys(onlyMarket, onlySymbol string) ([]seriesKey, error) {
	var keys []seriesKey
	for _, mkt := range Markets() {
		if onlyMarket != "" && mkt != onlyMarket {
			continue
		}
		symbols, err := readDirNames(filepath.Join(c.dir, mkt))
		if err != nil {
			return nil, err
		}
		for _, sym := range symbols {
			if feed.ValidSymbol(sym) != nil || (onlySymbol != "" && sym != onlySymbol) {
				continue
			}
			ivs, err := readDirNames(filepath.Join(c.dir, mkt, sym))
			if err != nil {
				return nil, err
			}
			for _, name := range ivs {
				iv, ok := parseIntervalDir(name)
				if !ok {
					continue
				}
				k := seriesKey{mkt, sym, iv}
				if _, err := os.Stat(filepath.Join(c.seriesDir(k), manifestName)); err == nil {
					keys = append(keys, k)
				}
			}
		}
	}
	slices.SortFunc(keys, seriesKey.compare)
	return keys, nil
}

// readDirNames lists the subdirectories of dir; a missing dir has none.
func readDirNames(dir string) ([]string, error) {
	ents, err := os.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read catalog: %w", err)
	}
	var names []string
	for _, e := range ents {
		if e.IsDir() {
			names = append(names, e.Name())
		}
	}
	return names, nil
}

// Load returns the bars of a series whose open time is in [from, to), in
// Unix ms (0 leaves that end unbounded), in time order. When iv itself is not
// stored, the bars are aggregated from the longest stored interval that tiles
// it (1m usually; see feed.Aggregator: buckets at the edges of holes are
// partial). It returns an error naming what the catalog holds for the symbol
// when the series is absent and cannot be built.
func (c *Catalog) Load(mkt, symbol string, iv market.Interval, from, to int64) ([]market.Bar, error) {
	if err := ValidMarket(mkt); err != nil {
		return nil, fmt.Errorf("load: %w", err)
	}
	if err := feed.ValidSymbol(symbol); err != nil {
		return nil, fmt.Errorf("load: %w", err)
	}
	if _, err := market.ParseInterval(iv.String()); err != nil {
		return nil, fmt.Errorf("load %s %s: %w", mkt, symbol, err)
	}
	if to != 0 && to <= from {
		return nil, fmt.Errorf("load %s %s %s: empty range: to %d is not after from %d", mkt, symbol, iv, to, from)
	}
	key := seriesKey{mkt, symbol, iv}
	m, err := c.readManifest(key)
	if err == nil {
		return c.loadStored(key, m, from, to)
	}
	if !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("load %s: %w", key, err)
	}
	stored, err := c.keys(mkt, symbol)
	if err != nil {
		return nil, fmt.Errorf("load %s: %w", key, err)
	}
	var src *seriesKey
	for i := len(stored) - 1; i >= 0; i-- {
		if compareIntervals(stored[i].iv, iv) < 0 && feed.CanAggregate(stored[i].iv, iv) {
			src = &stored[i]
			break
		}
	}
	if src == nil {
		return nil, c.absent(key, stored)
	}
	sm, err := c.readManifest(*src)
	if err != nil {
		return nil, fmt.Errorf("load %s: %w", key, err)
	}
	srcFrom, srcTo := int64(0), int64(0)
	if from != 0 {
		srcFrom = iv.Start(from)
	}
	if to != 0 {
		if srcTo = iv.Start(to); srcTo != to {
			srcTo = iv.Next(srcTo)
		}
	}
	bars, err := c.loadStored(*src, sm, srcFrom, srcTo)
	if err != nil {
		return nil, fmt.Errorf("load %s: %w", key, err)
	}
	agg, err := feed.Aggregate(bars, src.iv, iv)
	if err != nil {
		return nil, fmt.Errorf("load %s from %s: %w", key, src.iv, err)
	}
	lo, hi := 0, len(agg)
	for lo < hi && agg[lo].Time < from {
		lo++
	}
	for to != 0 && hi > lo && agg[hi-1].Time >= to {
		hi--
	}
	return agg[lo:hi], nil
}

func (c *Catalog) absent(key seriesKey, stored []seriesKey) error {
	if len(stored) == 0 {
		all, err := c.keys(key.market, "")
		if err != nil {
			return fmt.Errorf("load %s: %w", key, err)
		}
		syms := make([]string, 0, len(all))
		for _, k := range all {
			if len(syms) == 0 || syms[len(syms)-1] != k.symbol {
				syms = append(syms, k.symbol)
			}
		}
		if len(syms) == 0 {
			return fmt.Errorf("load %s: catalog %s holds no %s data (import some with 'thunes data import')", key, c.dir, key.market)
		}
		return fmt.Errorf("load %s: catalog %s holds no %s %s (it holds %s: %s)", key, c.dir, key.market, key.symbol, key.market, strings.Join(syms, ", "))
	}
	ivs := make([]string, len(stored))
	for i, k := range stored {
		ivs[i] = k.iv.String()
	}
	return fmt.Errorf("load %s: catalog %s holds %s %s only in %s, none of which tiles %s", key, c.dir, key.market, key.symbol, strings.Join(ivs, ", "), key.iv)
}

// loadStored reads the bars of a stored series in [from, to).
func (c *Catalog) loadStored(key seriesKey, m *manifest, from, to int64) ([]market.Bar, error) {
	dir := c.seriesDir(key)
	var n int64
	for _, p := range m.Parts {
		if p.Last >= from && (to == 0 || p.First < to) {
			n += p.Rows
		}
	}
	bars := make([]market.Bar, 0, n)
	for _, p := range m.Parts {
		if p.Last < from || (to != 0 && p.First >= to) {
			continue
		}
		before := len(bars)
		var err error
		if bars, err = readBars(bars, filepath.Join(dir, p.File), from, to); err != nil {
			return nil, fmt.Errorf("load %s: %w", key, err)
		}
		if from <= p.First && (to == 0 || p.Last < to) && int64(len(bars)-before) != p.Rows {
			return nil, fmt.Errorf("load %s: part %s holds %d rows, the manifest says %d", key, p.File, len(bars)-before, p.Rows)
		}
	}
	return bars, nil
}

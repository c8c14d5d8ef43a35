package catalog

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/thunes/thunes/internal/feed"
)

// ImportResult reports what an import did to one series.
type ImportResult struct {
	// Series is the series after the import.
	Series SeriesInfo
	// Files lists the input files read into the series, Skipped those whose
	// bytes were imported before (same SHA-256) and were not read again.
	Files, Skipped []string
	// Read is the number of rows read from Files.
	Read int64
	// Added is the number of candles new to the series.
	Added int64
	// Filled counts stored candles that gained the quote volume, trades and
	// taker buy columns from the files.
	Filled int64
}

// importPlan is the work an import does on one series.
type importPlan struct {
	key    seriesKey
	dir    string
	old    *manifest
	inputs []*input

	// Set by collect from the inputs not known to be skipped.
	chunks  []chunk
	files   []string
	skipped []string
	sources []Source
	read    int64

	next     *manifest
	merged   *run
	write    []newPart
	added    int64
	filled   int64
	created  []string
	obsolete []string
}

// input is one file of an import, read and parsed. Its SHA-256 is computed
// on another goroutine and waited for only when needed: the import plans
// and writes as if the file were new meanwhile, and is redone without it
// in the rare case that its bytes were imported before.
type input struct {
	file string
	r    *run
	err  error // why its rows could not be read
	// digest delivers the SHA-256 once; sum holds it after settle.
	digest <-chan string
	sum    string
	skip   bool
}

// chunk is the rows of one input file.
type chunk struct {
	file string
	r    *run
}

// newPart is a part file to write: rows [lo, hi) of the plan's merged run.
type newPart struct {
	p      part
	lo, hi int
}

// Import reads Binance kline files (see feed.Open for the formats and the
// checks) into the series of market mkt they name, and returns what it did
// to each series, ordered by symbol and interval.
//
// Importing is idempotent: a file whose SHA-256 is recorded is skipped, and
// candles already stored are kept. A candle present in both the catalog and
// a file (or in two files) must be the same candle: open, high, low, close
// and volume equal, and the extra columns equal when both have them; a file
// may add the extra columns to a stored candle that lacks them. Any bad row,
// disagreement or unreadable file fails the whole import before anything is
// written, and the error names the file and line; an import that fails later
// (disk full, cancellation before the commit) removes what it wrote, so the
// catalog is left as it was. Each series is committed atomically; when
// several series are imported at once and a commit fails midway, the series
// committed before stay imported and the error says so.
func (c *Catalog) Import(ctx context.Context, mkt string, files []string) ([]ImportResult, error) {
	if err := ValidMarket(mkt); err != nil {
		return nil, fmt.Errorf("import: %w", err)
	}
	if len(files) == 0 {
		return nil, errors.New("import: no files given")
	}
	plans := map[seriesKey]*importPlan{}
	fileKeys := make([]seriesKey, len(files))
	for i, f := range files {
		fn, err := feed.ParseFileName(f)
		if err != nil {
			return nil, fmt.Errorf("import %s: %w", f, err)
		}
		k := seriesKey{mkt, fn.Symbol, fn.Interval}
		fileKeys[i] = k
		if plans[k] == nil {
			plans[k] = &importPlan{key: k, dir: c.seriesDir(k)}
		}
	}
	if err := os.MkdirAll(c.dir, 0o755); err != nil {
		return nil, fmt.Errorf("import: create catalog: %w", err)
	}
	unlock, err := c.lock()
	if err != nil {
		return nil, fmt.Errorf("import: %w", err)
	}
	defer unlock()

	for _, p := range plans {
		m, err := c.readManifest(p.key)
		switch {
		case err == nil:
			p.old = m
		case !errors.Is(err, os.ErrNotExist):
			return nil, fmt.Errorf("import: %w", err)
		}
		if err := removeLeftovers(p.dir, p.old); err != nil {
			return nil, fmt.Errorf("import %s: %w", p.key, err)
		}
	}

	for i, f := range files {
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("import: %w", err)
		}
		in, err := readInput(f)
		if err != nil {
			return nil, fmt.Errorf("import: %w", err)
		}
		p := plans[fileKeys[i]]
		p.inputs = append(p.inputs, in)
		if in.err != nil {
			// A file whose bytes were imported before is skipped unread:
			// the error counts only if it is not.
			if _, err := p.settle(true); err != nil {
				return nil, fmt.Errorf("import: %w", err)
			}
		}
	}

	ordered := make([]*importPlan, 0, len(plans))
	for _, p := range plans {
		ordered = append(ordered, p)
	}
	slices.SortFunc(ordered, func(a, b *importPlan) int { return a.key.compare(b.key) })
	for _, p := range ordered {
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("import: %w", err)
		}
		if err := c.planSeries(p); err != nil {
			return nil, fmt.Errorf("import %s: %w", p.key, err)
		}
	}

	rollback := func(from int) {
		for _, p := range ordered[from:] {
			p.removeCreated()
		}
	}
	if err := c.stage("write"); err != nil {
		return nil, fmt.Errorf("import: %w", err)
	}
	for _, p := range ordered {
		if err := writeParts(ctx, p); err != nil {
			rollback(0)
			return nil, fmt.Errorf("import %s: %w", p.key, err)
		}
	}
	for _, p := range ordered {
		if err := c.settleSeries(ctx, p); err != nil {
			rollback(0)
			return nil, fmt.Errorf("import %s: %w", p.key, err)
		}
	}
	if err := c.stage("commit"); err != nil {
		rollback(0)
		return nil, fmt.Errorf("import: %w", err)
	}
	if err := ctx.Err(); err != nil {
		rollback(0)
		return nil, fmt.Errorf("import: %w", err)
	}
	var done []string
	for i, p := range ordered {
		if p.next == nil {
			continue
		}
		if err := writeManifest(p.dir, p.next); err != nil {
			rollback(i)
			if len(done) > 0 {
				return nil, fmt.Errorf("import %s: %w (already committed: %s)", p.key, err, strings.Join(done, ", "))
			}
			return nil, fmt.Errorf("import %s: %w", p.key, err)
		}
		done = append(done, p.key.String())
		for _, path := range p.obsolete {
			os.Remove(path)
		}
		if len(p.obsolete) > 0 {
			syncDir(p.dir)
		}
	}

	results := make([]ImportResult, len(ordered))
	for i, p := range ordered {
		m := p.next
		if m == nil {
			m = p.old
		}
		results[i] = ImportResult{
			Files: p.files, Skipped: p.skipped,
			Read: p.read, Added: p.added, Filled: p.filled,
		}
		if m != nil {
			results[i].Series = m.info(p.key.iv)
		} else {
			results[i].Series = SeriesInfo{Market: p.key.market, Symbol: p.key.symbol, Interval: p.key.iv}
		}
	}
	return results, nil
}

func (c *Catalog) stage(name string) error {
	if c.hook == nil {
		return nil
	}
	return c.hook(name)
}

// removeLeftovers deletes the files of an interrupted import from a series
// directory: temporary files and parts the manifest does not list.
func removeLeftovers(dir string, m *manifest) error {
	ents, err := os.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	live := map[string]bool{}
	if m != nil {
		for _, p := range m.Parts {
			live[p.File] = true
		}
	}
	removed := false
	for _, e := range ents {
		name := e.Name()
		if e.Type().IsRegular() && (strings.HasPrefix(name, tmpPrefix) || (partFileRE.MatchString(name) && !live[name])) {
			if err := os.Remove(filepath.Join(dir, name)); err != nil {
				return err
			}
			removed = true
		}
	}
	if removed {
		return syncDir(dir)
	}
	return nil
}

// readInput reads file and parses its rows in parallel (see
// feed.ReadParallel), while another goroutine computes its SHA-256 as the
// bytes come in. It returns an error only when the file cannot be read; a
// bad row is the input's err, which counts unless the file's digest shows
// it was imported before.
func readInput(file string) (*input, error) {
	data, digest, err := readHashing(file)
	if err != nil {
		return nil, err
	}
	in := &input{file: file, digest: digest}
	// Hashing a plain CSV takes longer than parsing it and keeps a core
	// busy meanwhile: parsing on the others spares joining more pieces.
	// Hashing a compressed file is short, and inflating it the longest.
	workers := runtime.GOMAXPROCS(0)
	if fn, err := feed.ParseFileName(file); err == nil && fn.Format == feed.FormatCSV {
		workers = max(1, workers-1)
	}
	runs, err := feed.ReadParallel(file, data, workers, func(lines int) (*run, func(*feed.Row)) {
		r := &run{rows: make([]row, 0, lines)}
		return r, r.addRow
	})
	if err != nil {
		in.err = err
		return in, nil
	}
	in.r = runs[0]
	if len(runs) > 1 {
		total := 0
		for _, r := range runs {
			total += r.len()
		}
		in.r = &run{rows: make([]row, 0, total)}
		for _, r := range runs {
			in.r.appendRun(r)
		}
	}
	return in, nil
}

// hashBlock is the size of the blocks a file is read and hashed in.
const hashBlock = 4 << 20

// readHashing reads the file at path into memory and returns its bytes
// and a channel that delivers their SHA-256 in hex. The blocks are hashed
// on another goroutine as they are read, so that hashing, the longest
// single task of an import, starts at once.
func readHashing(path string) ([]byte, <-chan string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, nil, err
	}
	// One byte more than the size, so that the end is seen without
	// growing the buffer; a file that grows meanwhile is read to its end.
	data := make([]byte, 0, st.Size()+1)
	blocks := make(chan []byte, int(st.Size()/hashBlock)+2)
	digest := make(chan string, 1)
	go func() {
		h := sha256.New()
		for b := range blocks {
			h.Write(b)
		}
		digest <- hex.EncodeToString(h.Sum(nil))
	}()
	defer close(blocks)
	for {
		if len(data) == cap(data) {
			data = append(data, 0)[:len(data)]
		}
		n, err := f.Read(data[len(data):min(cap(data), len(data)+hashBlock)])
		if n > 0 {
			blocks <- data[len(data) : len(data)+n]
			data = data[:len(data)+n]
		}
		if err == io.EOF {
			return data, digest, nil
		}
		if err != nil {
			return nil, nil, fmt.Errorf("read %s: %w", path, err)
		}
	}
}

// settle waits for the digests of the plan's inputs and marks as skipped
// those whose bytes the series or an earlier input of the import already
// holds. It reports whether that skipped an input not skipped before, and
// returns the error of the first input that is not skipped and could not
// be read. With wait false, it does nothing unless every digest is ready.
func (p *importPlan) settle(wait bool) (bool, error) {
	for _, in := range p.inputs {
		if in.digest != nil && !wait {
			select {
			case in.sum = <-in.digest:
				in.digest = nil
			default:
				return false, nil
			}
		}
	}
	changed := false
	var kept []string
	for _, in := range p.inputs {
		if in.digest != nil {
			in.sum, in.digest = <-in.digest, nil
		}
		skip := slices.Contains(kept, in.sum) ||
			(p.old != nil && slices.ContainsFunc(p.old.Sources, func(s Source) bool { return s.SHA256 == in.sum }))
		changed = changed || skip != in.skip
		in.skip = skip
		if skip {
			continue
		}
		if in.err != nil {
			return changed, in.err
		}
		kept = append(kept, in.sum)
	}
	p.collect()
	return changed, nil
}

// collect sets the plan's files, chunks and sources from its inputs.
func (p *importPlan) collect() {
	p.chunks, p.files, p.skipped, p.sources, p.read = nil, nil, nil, nil, 0
	for _, in := range p.inputs {
		if in.skip {
			p.skipped = append(p.skipped, in.file)
			continue
		}
		p.files = append(p.files, in.file)
		if in.r == nil {
			continue
		}
		p.chunks = append(p.chunks, chunk{file: in.file, r: in.r})
		p.read += int64(in.r.len())
		if in.digest == nil {
			p.sources = append(p.sources, Source{Name: filepath.Base(in.file), SHA256: in.sum, Rows: int64(in.r.len())})
		}
	}
}

// planSeries plans p (see plan) with the digests known so far: the files
// whose digest is not known yet are taken as new.
func (c *Catalog) planSeries(p *importPlan) error {
	// Digests computed already spare planning files imported before.
	if _, err := p.settle(false); err != nil {
		return err
	}
	err := c.plan(p)
	if err == nil {
		return nil
	}
	// The rows at fault may come from a file imported before, which is
	// skipped once its digest is known.
	if serr := c.stage("replan"); serr != nil {
		return serr
	}
	if changed, serr := p.settle(true); serr != nil || !changed {
		return cmp.Or(serr, err)
	}
	return c.plan(p)
}

// settleSeries waits for the digests of p's files, which were computed
// while the parts were planned and written. When one of the files turns
// out to be imported already, the series is planned and written again
// without it. It then adds the files' sources to the manifest to commit.
func (c *Catalog) settleSeries(ctx context.Context, p *importPlan) error {
	changed, err := p.settle(true)
	if err != nil {
		return err
	}
	if changed {
		p.removeCreated()
		if err := c.plan(p); err != nil {
			return err
		}
		if err := writeParts(ctx, p); err != nil {
			return err
		}
	}
	if p.next != nil {
		p.next.Sources = append(slices.Clone(p.next.Sources), p.sources...)
	}
	return nil
}

// removeCreated removes the part files the plan has written.
func (p *importPlan) removeCreated() {
	for _, path := range p.created {
		os.Remove(path)
	}
	p.created = nil
}

// plan merges the new rows with the stored ones and works out the part files
// to write and the manifest to commit. It writes nothing.
func (c *Catalog) plan(p *importPlan) error {
	p.collect()
	p.next, p.merged, p.write, p.added, p.filled, p.obsolete = nil, nil, nil, 0, 0, nil
	if len(p.chunks) == 0 {
		return nil
	}
	incoming, err := mergeChunks(p.chunks)
	if err != nil {
		return err
	}
	old := p.old
	if old == nil {
		old = &manifest{Format: manifestFormat, Market: p.key.market, Symbol: p.key.symbol, Interval: p.key.iv.String(), Columns: newSpecs()}
	}
	years := map[int]bool{}
	for i, limit := 0, int64(math.MinInt64); i < incoming.len(); i++ {
		if t := incoming.rows[i].time; t >= limit {
			years[yearOf(t)] = true
			limit = nextYear(t)
		}
	}
	existing := &run{}
	var kept, replaced []part
	for _, op := range old.Parts {
		if !years[yearOf(op.First)] {
			kept = append(kept, op)
			continue
		}
		r, err := readRun(filepath.Join(p.dir, op.File))
		if err != nil {
			return err
		}
		existing.appendRun(r)
		replaced = append(replaced, op)
	}
	merged, added, filled, err := mergeRuns(existing, incoming, "the catalog", describe(p.chunks))
	if err != nil {
		return err
	}
	// The sources are added once the digests are known.
	next := *old
	p.next, p.added, p.filled = &next, added, filled
	if added == 0 && filled == 0 {
		return nil
	}
	sp, err := old.Columns.widen(merged)
	if err != nil {
		return err
	}
	if sp != old.Columns && len(kept) > 0 {
		// The decimal storage changed: re-encode every part so all files of
		// the series share one schema.
		all := &run{}
		for _, op := range kept {
			r, err := readRun(filepath.Join(p.dir, op.File))
			if err != nil {
				return err
			}
			all.appendRun(r)
		}
		if merged, _, _, err = mergeRuns(all, merged, "the catalog", "the catalog"); err != nil {
			return err
		}
		replaced, kept = append(replaced, kept...), nil
	}
	next.Generation = old.Generation + 1
	next.Columns = sp
	p.merged = merged
	parts := kept
	rows := merged.rows
	for start := 0; start < len(rows); {
		y, limit := yearOf(rows[start].time), nextYear(rows[start].time)
		end := start + sort.Search(len(rows)-start, func(i int) bool { return rows[start+i].time >= limit })
		var gaps []feed.Gap
		for i := start + 1; i < end; i++ {
			if g, ok := feed.GapBetween(p.key.iv, rows[i-1].time, rows[i].time); ok {
				gaps = append(gaps, g)
			}
		}
		np := newPart{p: part{
			File:  fmt.Sprintf("%04d-%06d.parquet", y, next.Generation),
			First: rows[start].time, Last: rows[end-1].time, Rows: int64(end - start),
			Gaps: gaps,
		}, lo: start, hi: end}
		p.write = append(p.write, np)
		parts = append(parts, np.p)
		start = end
	}
	slices.SortFunc(parts, func(a, b part) int { return compareInt64(a.First, b.First) })
	next.Parts = parts
	next.First, next.Last = parts[0].First, parts[len(parts)-1].Last
	next.Rows = 0
	for _, pt := range parts {
		next.Rows += pt.Rows
	}
	next.Gaps, next.Missing = seriesGaps(p.key.iv, parts)
	for _, op := range replaced {
		p.obsolete = append(p.obsolete, filepath.Join(p.dir, op.File))
	}
	return nil
}

// writeParts writes the plan's new part files and records their sizes in
// the manifest to commit. Parts are written up to GOMAXPROCS at a time: one
// of a few months is a single row group, which one goroutine encodes. The
// parts written are in p.created, also on error.
func writeParts(ctx context.Context, p *importPlan) error {
	if len(p.write) == 0 {
		return nil
	}
	if err := os.MkdirAll(p.dir, 0o755); err != nil {
		return err
	}
	meta := map[string]string{
		"thunes.market":   p.key.market,
		"thunes.symbol":   p.key.symbol,
		"thunes.interval": p.key.iv.String(),
	}
	sizes := make([]int64, len(p.write))
	errs := make([]error, len(p.write))
	sem := make(chan struct{}, runtime.GOMAXPROCS(0))
	var wg sync.WaitGroup
	for i, np := range p.write {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			if errs[i] = ctx.Err(); errs[i] == nil {
				sizes[i], errs[i] = writePartAtomic(p.dir, np.p.File, p.merged, np.lo, np.hi, p.next.Columns, meta)
			}
		}()
	}
	wg.Wait()
	for i, np := range p.write {
		if errs[i] != nil {
			continue
		}
		p.created = append(p.created, filepath.Join(p.dir, np.p.File))
		for j := range p.next.Parts {
			if p.next.Parts[j].File == np.p.File {
				p.next.Parts[j].Size = sizes[i]
			}
		}
	}
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return syncDir(p.dir)
}

// writePartAtomic writes a part through a synced temporary file renamed into
// place. The import lock is held and leftovers were removed, so the names
// are free.
func writePartAtomic(dir, name string, r *run, lo, hi int, sp specs, meta map[string]string) (int64, error) {
	tmp := filepath.Join(dir, tmpPrefix+name)
	size, err := writePart(tmp, r, lo, hi, sp, meta)
	if err != nil {
		return 0, err
	}
	if err := os.Rename(tmp, filepath.Join(dir, name)); err != nil {
		os.Remove(tmp)
		return 0, fmt.Errorf("write %s: %w", filepath.Join(dir, name), err)
	}
	return size, nil
}

func describe(chunks []chunk) string {
	names := make([]string, len(chunks))
	for i, c := range chunks {
		names[i] = c.file
	}
	return strings.Join(names, ", ")
}

// mergeChunks merges the rows of several files of one series into one sorted
// run; rows present in two files must agree.
func mergeChunks(chunks []chunk) (*run, error) {
	slices.SortStableFunc(chunks, func(a, b chunk) int { return compareInt64(a.r.rows[0].time, b.r.rows[0].time) })
	out := chunks[0].r
	for i := 1; i < len(chunks); i++ {
		next := chunks[i].r
		if out.rows[out.len()-1].time < next.rows[0].time {
			if i == 1 {
				out = &run{rows: slices.Clone(out.rows), bigs: slices.Clone(out.bigs)}
			}
			out.appendRun(next)
			continue
		}
		var err error
		out, _, _, err = mergeRuns(out, next, describe(chunks[:i]), chunks[i].file)
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

// appendRun appends the rows of src, which must all follow those of r.
func (r *run) appendRun(src *run) {
	if len(src.bigs) == 0 {
		r.rows = append(r.rows, src.rows...)
		return
	}
	for i := range src.rows {
		r.push(src, i)
	}
}

// mergeRuns merges two sorted runs. A candle in both must agree (see
// sameCandle); when only add has the extra columns, the candle takes them.
// It returns the merged run, the number of candles of add not in base and
// the number of base candles that gained the extra columns.
func mergeRuns(base, add *run, baseName, addName string) (*run, int64, int64, error) {
	if base.len() == 0 {
		return add, int64(add.len()), 0, nil
	}
	out := &run{rows: make([]row, 0, base.len()+add.len())}
	var added, filled int64
	i, j := 0, 0
	for i < base.len() && j < add.len() {
		a, b := &base.rows[i], &add.rows[j]
		switch {
		case a.time < b.time:
			out.push(base, i)
			i++
		case a.time > b.time:
			out.push(add, j)
			added++
			j++
		default:
			if err := sameCandle(base, i, add, j); err != nil {
				return nil, 0, 0, fmt.Errorf("%s: the candle at %s disagrees with %s: %w", addName, fmtTime(a.time), baseName, err)
			}
			if !a.extra && b.extra {
				k := base.kline(i)
				e := add.kline(j)
				k.HasExtra, k.QuoteVolume, k.Trades, k.TakerBuyBase, k.TakerBuyQuote = true, e.QuoteVolume, e.Trades, e.TakerBuyBase, e.TakerBuyQuote
				out.add(&k)
				filled++
			} else {
				out.push(base, i)
			}
			i++
			j++
		}
	}
	for ; i < base.len(); i++ {
		out.push(base, i)
	}
	added += int64(add.len() - j)
	for ; j < add.len(); j++ {
		out.push(add, j)
	}
	return out, added, filled, nil
}

func yearOf(ms int64) int { return time.UnixMilli(ms).UTC().Year() }

// nextYear returns the start of the calendar year after the one holding ms.
func nextYear(ms int64) int64 {
	return time.Date(yearOf(ms)+1, 1, 1, 0, 0, 0, 0, time.UTC).UnixMilli()
}

func compareInt64(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func fmtTime(ms int64) string {
	return time.UnixMilli(ms).UTC().Format("2006-01-02 15:04:05") + " UTC"
}

package catalog

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"

	"github.com/thunes/thunes/internal/feed"
	"github.com/thunes/thunes/internal/market"
)

// manifestName is the file, in each series directory, that says which part
// files hold the series. Writing it is the commit point of an import.
const manifestName = "manifest.json"

// manifestFormat is the version of the manifest layout.
const manifestFormat = 1

// manifest describes one stored series. Times are Unix milliseconds UTC of
// candle open times.
type manifest struct {
	Format   int        `json:"format"`
	Market   string     `json:"market"`
	Symbol   string     `json:"symbol"`
	Interval string     `json:"interval"`
	First    int64      `json:"first"`
	Last     int64      `json:"last"`
	Rows     int64      `json:"rows"`
	Missing  int64      `json:"missing"`
	Gaps     []feed.Gap `json:"gaps"`
	// Generation counts the commits that changed the part files; it names
	// new part files so they never overwrite live ones.
	Generation int64    `json:"generation"`
	Columns    specs    `json:"columns"`
	Parts      []part   `json:"parts"`
	Sources    []Source `json:"sources"`
}

// part is one Parquet file of a series, holding the candles of one calendar
// year (UTC).
type part struct {
	File  string     `json:"file"`
	First int64      `json:"first"`
	Last  int64      `json:"last"`
	Rows  int64      `json:"rows"`
	Size  int64      `json:"size"`
	Gaps  []feed.Gap `json:"gaps,omitempty"`
}

// Source is one imported input file.
type Source struct {
	// Name is the base name of the file.
	Name string `json:"name"`
	// SHA256 is the hex digest of the file's bytes; a file with a digest
	// already recorded is not imported again.
	SHA256 string `json:"sha256"`
	// Rows is the number of rows the file held.
	Rows int64 `json:"rows"`
}

var partFileRE = regexp.MustCompile(`^[0-9]{4}-[0-9]{6,}\.parquet$`)

// decodeManifest reads and checks a manifest: it must describe key, its parts
// must be ordered and disjoint, and its totals and gaps must agree with its
// parts.
func decodeManifest(data []byte, key seriesKey) (*manifest, error) {
	var m manifest
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&m); err != nil {
		return nil, fmt.Errorf("decode: %w", err)
	}
	if dec.More() {
		return nil, errors.New("decode: data after the manifest")
	}
	if m.Format != manifestFormat {
		return nil, fmt.Errorf("format %d, want %d", m.Format, manifestFormat)
	}
	if m.Market != key.market || m.Symbol != key.symbol || m.Interval != key.iv.String() {
		return nil, fmt.Errorf("describes %s %s %s, not %s", m.Market, m.Symbol, m.Interval, key)
	}
	for i, s := range m.Columns {
		if s.Name != decimalColumns[i] || s.Scale > 19 {
			return nil, fmt.Errorf("column %d is %q scale %d, want %s with a scale of 0 to 19", i, s.Name, s.Scale, decimalColumns[i])
		}
	}
	if len(m.Parts) == 0 {
		return nil, errors.New("no parts")
	}
	var rows int64
	for i, p := range m.Parts {
		if !partFileRE.MatchString(p.File) {
			return nil, fmt.Errorf("part %d: bad file name %q", i, p.File)
		}
		if p.Rows <= 0 || p.First > p.Last || p.Size <= 0 {
			return nil, fmt.Errorf("part %s: %d rows from %d to %d, size %d", p.File, p.Rows, p.First, p.Last, p.Size)
		}
		if i > 0 && p.First <= m.Parts[i-1].Last {
			return nil, fmt.Errorf("part %s overlaps part %s", p.File, m.Parts[i-1].File)
		}
		rows += p.Rows
	}
	if rows != m.Rows || m.First != m.Parts[0].First || m.Last != m.Parts[len(m.Parts)-1].Last {
		return nil, fmt.Errorf("totals (%d rows, %d to %d) disagree with the parts", m.Rows, m.First, m.Last)
	}
	gaps, missing := seriesGaps(key.iv, m.Parts)
	if missing != m.Missing || len(gaps) != len(m.Gaps) {
		return nil, fmt.Errorf("gaps (%d, %d missing) disagree with the parts (%d, %d missing)", len(m.Gaps), m.Missing, len(gaps), missing)
	}
	for i := range gaps {
		if gaps[i] != m.Gaps[i] {
			return nil, fmt.Errorf("gap %d is %+v, the parts say %+v", i, m.Gaps[i], gaps[i])
		}
	}
	return &m, nil
}

// seriesGaps joins the gaps inside parts with the holes between them.
func seriesGaps(iv market.Interval, parts []part) ([]feed.Gap, int64) {
	var gaps []feed.Gap
	var missing int64
	for i, p := range parts {
		if i > 0 {
			if g, ok := feed.GapBetween(iv, parts[i-1].Last, p.First); ok {
				gaps = append(gaps, g)
				missing += g.Missing
			}
		}
		for _, g := range p.Gaps {
			gaps = append(gaps, g)
			missing += g.Missing
		}
	}
	return gaps, missing
}

// readManifest returns the manifest of key, or an error satisfying
// errors.Is(err, os.ErrNotExist) when the series is not stored.
func (c *Catalog) readManifest(key seriesKey) (*manifest, error) {
	path := filepath.Join(c.seriesDir(key), manifestName)
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	m, err := decodeManifest(data, key)
	if err != nil {
		return nil, fmt.Errorf("catalog manifest %s: %w", path, err)
	}
	return m, nil
}

// writeManifest replaces the manifest of the series in dir atomically: a
// synced temporary file renamed over the old one, then the directory synced.
func writeManifest(dir string, m *manifest) error {
	data, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return err
	}
	data = append(data, '\n')
	return writeFileAtomic(dir, manifestName, data)
}

// writeFileAtomic writes data to dir/name through a synced temporary file
// and a rename, so readers see the old content or the new, never a mix.
func writeFileAtomic(dir, name string, data []byte) error {
	f, err := os.CreateTemp(dir, tmpPrefix+"*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, filepath.Join(dir, name))
	}
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("write %s: %w", filepath.Join(dir, name), err)
	}
	return syncDir(dir)
}

// syncDir makes a rename in dir durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("sync %s: %w", dir, err)
	}
	return nil
}

package catalog

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/thunes/thunes/internal/market"
)

// holdDigest reads file as Import does, but keeps its digest back until the
// returned function is called.
func holdDigest(t *testing.T, file string) (*input, func()) {
	t.Helper()
	in, err := readInput(file)
	if err != nil {
		t.Fatal(err)
	}
	sum := <-in.digest
	ch := make(chan string, 1)
	in.digest = ch
	return in, func() { ch <- sum }
}

// TestImportLateDigest plans and writes a series before the digests of its
// files are known, as Import does while they are computed: when files turn
// out to duplicate another or to be recorded already, the series is planned
// and written again without them. The recorded file here holds rows the
// catalog lacks, so that leaving it in would show.
func TestImportLateDigest(t *testing.T) {
	dir := t.TempDir()
	bars := synthBars(t, 1, 4000, market.Minute1, jan2024)
	c := openCatalog(t)
	mustImport(t, c, Spot, writeFile(t, dir, "BTCUSDT-1m.csv", binanceCSV(bars[:3000], market.Minute1, false)))
	data := binanceCSV(bars[2000:3500], market.Minute1, true)
	b := writeFile(t, dir, "BTCUSDT-1m-2024-01.csv", data)
	copyOfB := writeFile(t, t.TempDir(), "BTCUSDT-1m-2024-01.csv", data)
	recordedData := binanceCSV(bars[3500:], market.Minute1, false)
	recorded := writeFile(t, t.TempDir(), "BTCUSDT-1m.csv", recordedData)

	key := seriesKey{Spot, "BTCUSDT", market.Minute1}
	old, err := c.readManifest(key)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(recordedData)
	old.Sources = append(old.Sources, Source{Name: "BTCUSDT-1m.csv", SHA256: hex.EncodeToString(sum[:]), Rows: 500})
	p := &importPlan{key: key, dir: c.seriesDir(key), old: old}
	var release []func()
	for _, f := range []string{b, copyOfB, recorded} {
		in, r := holdDigest(t, f)
		p.inputs = append(p.inputs, in)
		release = append(release, r)
	}
	if err := c.planSeries(p); err != nil {
		t.Fatal(err)
	}
	if p.read != 3500 || p.added != 1000 || len(p.skipped) != 0 {
		t.Fatalf("before the digests: read %d added %d skipped %q, want every file planned", p.read, p.added, p.skipped)
	}
	if err := writeParts(context.Background(), p); err != nil {
		t.Fatal(err)
	}
	for _, r := range release {
		r()
	}
	if err := c.settleSeries(context.Background(), p); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(p.files, []string{b}) || !slices.Equal(p.skipped, []string{copyOfB, recorded}) || p.read != 1500 || p.added != 500 || p.filled != 1000 {
		t.Fatalf("files %q skipped %q read %d added %d filled %d", p.files, p.skipped, p.read, p.added, p.filled)
	}
	sum = sha256.Sum256(data)
	if n := len(p.next.Sources); n != 3 || p.next.Sources[2].SHA256 != hex.EncodeToString(sum[:]) || p.next.Sources[2].Rows != 1500 {
		t.Fatalf("sources %+v", p.next.Sources)
	}
	for _, path := range p.created {
		if _, err := os.Stat(path); err != nil {
			t.Fatal(err)
		}
	}
	if err := writeManifest(p.dir, p.next); err != nil {
		t.Fatal(err)
	}
	got, err := c.Load(Spot, "BTCUSDT", market.Minute1, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	checkBars(t, got, bars[:3500])
}

// TestImportSkipsRecordedFile imports files whose bytes the manifest
// records, though they conflict with the catalog or hold a bad row: they
// are skipped without a word, whether their digest is known before they
// are planned or only after planning them failed.
func TestImportSkipsRecordedFile(t *testing.T) {
	dir := t.TempDir()
	bars := synthBars(t, 1, 3000, market.Minute1, jan2024)
	good := binanceCSV(bars, market.Minute1, true)
	c := openCatalog(t)
	mustImport(t, c, Spot, writeFile(t, dir, "BTCUSDT-1m.csv", good))
	lines := strings.SplitAfter(string(good), "\n")
	conflicting := []byte(strings.Join(slices.Concat(lines[:16], []string{strings.Replace(lines[16], ",", ",1", 2)}, lines[17:]), ""))
	bad := []byte(strings.Join(slices.Concat(lines[:16], []string{fmt.Sprintf("%d,101,100,99,100,1,,,,,,\n", bars[16].Time)}, lines[17:]), ""))
	if _, err := c.Import(context.Background(), Spot, []string{writeFile(t, t.TempDir(), "BTCUSDT-1m.csv", conflicting)}); err == nil {
		t.Fatal("a conflicting file imported")
	}

	// Record both files as imported, as if the rules had changed since.
	key := seriesKey{Spot, "BTCUSDT", market.Minute1}
	m, err := c.readManifest(key)
	if err != nil {
		t.Fatal(err)
	}
	for _, data := range [][]byte{conflicting, bad} {
		sum := sha256.Sum256(data)
		m.Sources = append(m.Sources, Source{Name: "BTCUSDT-1m.csv", SHA256: hex.EncodeToString(sum[:]), Rows: 3000})
	}
	if err := writeManifest(c.seriesDir(key), m); err != nil {
		t.Fatal(err)
	}
	before := snapshot(t, c.Dir())
	for _, data := range [][]byte{conflicting, bad} {
		path := writeFile(t, t.TempDir(), "BTCUSDT-1m.csv", data)
		res, err := c.Import(context.Background(), Spot, []string{path})
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(res[0].Skipped, []string{path}) || res[0].Read != 0 {
			t.Fatalf("result %+v", res[0])
		}
		checkUnchanged(t, before, snapshot(t, c.Dir()))
	}

	// The conflicting file planned before its digest is known.
	p := &importPlan{key: key, dir: c.seriesDir(key), old: m}
	in, release := holdDigest(t, writeFile(t, t.TempDir(), "BTCUSDT-1m.csv", conflicting))
	p.inputs = []*input{in}
	replanned := false
	c.hook = func(stage string) error {
		if stage == "replan" {
			replanned = true
			release()
		}
		return nil
	}
	defer func() { c.hook = nil }()
	if err := c.planSeries(p); err != nil {
		t.Fatal(err)
	}
	if !replanned || len(p.skipped) != 1 || p.next != nil {
		t.Fatalf("replanned %v, skipped %q, next %+v", replanned, p.skipped, p.next)
	}
}

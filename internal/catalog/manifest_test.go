package catalog

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/thunes/thunes/internal/market"
)

// FuzzManifest feeds arbitrary bytes to the manifest decoder: it must not
// panic, and a manifest it accepts must encode and decode to itself.
func FuzzManifest(f *testing.F) {
	c := openCatalog(f)
	bars := synthBars(f, 1, 3000, market.Minute1, 1703980800000) // 2023-12-31
	bars = append(bars[:100], bars[200:]...)
	mustImport(f, c, Spot, writeFile(f, f.TempDir(), "BTCUSDT-1m.csv", binanceCSV(bars, market.Minute1, false)))
	key := seriesKey{Spot, "BTCUSDT", market.Minute1}
	good, err := os.ReadFile(filepath.Join(c.seriesDir(key), manifestName))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(good)
	f.Add([]byte(`{"format":1}`))
	f.Add([]byte(`{}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := decodeManifest(data, key)
		if err != nil {
			return
		}
		again, err := json.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		m2, err := decodeManifest(again, key)
		if err != nil {
			t.Fatalf("re-encoded manifest rejected: %v", err)
		}
		if !reflect.DeepEqual(m, m2) {
			t.Fatalf("round trip changed the manifest:\n%+v\n%+v", m, m2)
		}
	})
}

package catalog
import ("testing";"time";"os";"github.com/thunes/thunes/internal/market";"github.com/thunes/thunes/internal/feed";"runtime")
func TestTmpPhases(t *testing.T) {
	bars := synthBars(t, 1, benchRows, market.Minute1, jan2024)
	path := writeFile(t, t.TempDir(), "BTCUSDT-1m.csv", binanceCSV(bars, market.Minute1, true))
	for it := 0; it < 3; it++ {
	c := openCatalog(t)
	var t0 = time.Now()
	p := &importPlan{key: seriesKey{"spot","BTCUSDT",market.Minute1}, dir: c.seriesDir(seriesKey{"spot","BTCUSDT",market.Minute1})}
	if err := readInto(p, path); err != nil { t.Fatal(err) }
	t1 := time.Now()
	if err := c.plan(p); err != nil { t.Fatal(err) }
	t2 := time.Now()
	if err := writeParts(t.Context(), p); err != nil { t.Fatal(err) }
	t3 := time.Now()
	data, _ := os.ReadFile(path)
	t4 := time.Now()
	n := 0; _ = n
	feed.ReadParallel(path, data, runtime.GOMAXPROCS(0), func(l []int) []func(*feed.Kline) { f := make([]func(*feed.Kline), len(l)); for i := range f { f[i] = func(*feed.Kline){} }; return f })
	t5 := time.Now()
	t.Logf("read %v plan %v write %v | parse only %v", t1.Sub(t0), t2.Sub(t1), t3.Sub(t2), t5.Sub(t4))
	}
}

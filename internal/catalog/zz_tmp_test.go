package catalog
import ("testing";"context";"time";"github.com/thunes/thunes/internal/market")
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
	if err := writeParts(context.Background(), p); err != nil { t.Fatal(err) }
	t3 := time.Now()
	t.Logf("read %v plan %v write %v", t1.Sub(t0), t2.Sub(t1), t3.Sub(t2))
	}
}

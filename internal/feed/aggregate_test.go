package feed

import (
	"strings"
	"testing"
	"time"

	"github.com/thunes/thunes/internal/market"
	"github.com/thunes/thunes/internal/num"
)

func bar(t int64, o, h, l, c, v string) market.Bar {
	return market.Bar{Time: t, Open: num.MustParse(o), High: num.MustParse(h), Low: num.MustParse(l), Close: num.MustParse(c), Volume: num.MustParse(v)}
}

const minute = int64(market.Minute1)

// naiveAggregate is an independent, obvious implementation: group by bucket
// start in a map, then fold each group.
func naiveAggregate(t *testing.T, bars []market.Bar, dst market.Interval) []market.Bar {
	t.Helper()
	groups := map[int64][]market.Bar{}
	var starts []int64
	for _, b := range bars {
		s := dst.Start(b.Time)
		if _, ok := groups[s]; !ok {
			starts = append(starts, s)
		}
		groups[s] = append(groups[s], b)
	}
	out := make([]market.Bar, 0, len(starts))
	for _, s := range starts {
		g := groups[s]
		agg := market.Bar{Time: s, Open: g[0].Open, Close: g[len(g)-1].Close, High: g[0].High, Low: g[0].Low, Volume: num.Zero}
		for _, b := range g {
			agg.High = num.Max(agg.High, b.High)
			agg.Low = num.Min(agg.Low, b.Low)
			var err error
			if agg.Volume, err = agg.Volume.Add(b.Volume); err != nil {
				t.Fatal(err)
			}
		}
		out = append(out, agg)
	}
	return out
}

func TestAggregateMatchesNaive(t *testing.T) {
	bars := testBars(t, 20000, market.Minute1, jan2024+37*minute)
	// Punch holes so that buckets at their edges are partial.
	holey := append(append([]market.Bar(nil), bars[:5000]...), bars[5123:12000]...)
	holey = append(holey, bars[12001:]...)
	for _, dst := range []market.Interval{market.Minute1, market.Minute5, market.Minute15, market.Hour1, market.Hour4, market.Day1, market.Week1, market.Month1} {
		t.Run(dst.String(), func(t *testing.T) {
			got, err := Aggregate(holey, market.Minute1, dst)
			if err != nil {
				t.Fatal(err)
			}
			want := naiveAggregate(t, holey, dst)
			if len(got) != len(want) {
				t.Fatalf("got %d bars, want %d", len(got), len(want))
			}
			for i := range want {
				if !sameBar(got[i], want[i]) {
					t.Fatalf("bar %d = %+v, want %+v", i, got[i], want[i])
				}
				if err := got[i].Validate(); err != nil {
					t.Fatalf("bar %d: %v", i, err)
				}
			}
		})
	}
}

// TestAggregateComposes checks that 1m→5m→1h equals 1m→1h.
func TestAggregateComposes(t *testing.T) {
	bars := testBars(t, 5000, market.Minute1, jan2024)
	direct, err := Aggregate(bars, market.Minute1, market.Hour1)
	if err != nil {
		t.Fatal(err)
	}
	five, err := Aggregate(bars, market.Minute1, market.Minute5)
	if err != nil {
		t.Fatal(err)
	}
	twoStep, err := Aggregate(five, market.Minute5, market.Hour1)
	if err != nil {
		t.Fatal(err)
	}
	if len(direct) != len(twoStep) {
		t.Fatalf("%d vs %d bars", len(direct), len(twoStep))
	}
	for i := range direct {
		if !sameBar(direct[i], twoStep[i]) {
			t.Fatalf("bar %d: %+v vs %+v", i, direct[i], twoStep[i])
		}
	}
}

func TestAggregatorPartialBuckets(t *testing.T) {
	// 10:58, 10:59 | hole | 11:03 … 11:59 | 12:00
	base := time.Date(2024, 1, 1, 10, 58, 0, 0, time.UTC).UnixMilli()
	var in []market.Bar
	in = append(in, bar(base, "10", "11", "9", "10", "1"), bar(base+minute, "10", "12", "10", "11", "2"))
	for m := int64(5); m < 62; m++ {
		in = append(in, bar(base+m*minute, "11", "11.5", "10.5", "11", "0.5"))
	}
	in = append(in, bar(base+62*minute, "11", "20", "1", "15", "3"))
	a, err := NewAggregator(market.Minute1, market.Hour1)
	if err != nil {
		t.Fatal(err)
	}
	type emitted struct {
		b          market.Bar
		have, want int
	}
	var out []emitted
	for _, b := range in {
		done, ok, err := a.Add(b)
		if err != nil {
			t.Fatal(err)
		}
		if ok {
			have, want := a.Coverage()
			out = append(out, emitted{done, have, want})
		}
	}
	if done, ok := a.Flush(); ok {
		have, want := a.Coverage()
		out = append(out, emitted{done, have, want})
	}
	hour10 := time.Date(2024, 1, 1, 10, 0, 0, 0, time.UTC).UnixMilli()
	want := []emitted{
		{bar(hour10, "10", "12", "9", "11", "3"), 2, 60},
		{bar(hour10+60*minute, "11", "11.5", "10.5", "11", "28.5"), 57, 60},
		{bar(hour10+120*minute, "11", "20", "1", "15", "3"), 1, 60},
	}
	if len(out) != len(want) {
		t.Fatalf("emitted %d buckets, want %d: %+v", len(out), len(want), out)
	}
	for i := range want {
		if !sameBar(out[i].b, want[i].b) || out[i].have != want[i].have || out[i].want != want[i].want {
			t.Errorf("bucket %d = %+v (%d/%d), want %+v (%d/%d)", i, out[i].b, out[i].have, out[i].want, want[i].b, want[i].have, want[i].want)
		}
	}
}

func TestAggregatorRejects(t *testing.T) {
	t0 := jan2024
	tests := []struct {
		name     string
		src, dst market.Interval
		bars     []market.Bar
		wantErr  string
	}{
		{"not tiling", market.Minute3, market.Minute5, nil, "3m candles do not tile 5m candles"},
		{"longer source", market.Hour1, market.Minute5, nil, "do not tile"},
		{"3d into weeks", market.Day3, market.Week1, nil, "do not tile"},
		{"month source", market.Month1, market.Month1, nil, "do not tile"},
		{"misaligned", market.Minute1, market.Hour1, []market.Bar{bar(t0+1000, "1", "1", "1", "1", "1")}, "not aligned to 1m"},
		{"out of order", market.Minute1, market.Hour1, []market.Bar{bar(t0+minute, "1", "1", "1", "1", "1"), bar(t0, "1", "1", "1", "1", "1")}, "does not follow"},
		{"duplicate", market.Minute1, market.Hour1, []market.Bar{bar(t0, "1", "1", "1", "1", "1"), bar(t0, "1", "1", "1", "1", "1")}, "does not follow"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Aggregate(tt.bars, tt.src, tt.dst)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("error = %v, want %q", err, tt.wantErr)
			}
		})
	}
}

func TestCanAggregate(t *testing.T) {
	tests := []struct {
		src, dst market.Interval
		want     bool
	}{
		{market.Minute1, market.Hour1, true},
		{market.Minute1, market.Minute1, true},
		{market.Minute1, market.Week1, true},
		{market.Minute1, market.Month1, true},
		{market.Hour4, market.Day1, true},
		{market.Hour8, market.Day3, true},
		{market.Day1, market.Week1, true},
		{market.Day1, market.Month1, true},
		{market.Second1, market.Minute1, true},
		{market.Minute3, market.Minute5, false},
		{market.Day3, market.Week1, false},
		{market.Day3, market.Month1, false},
		{market.Week1, market.Month1, false},
		{market.Hour1, market.Minute1, false},
	}
	for _, tt := range tests {
		if got := CanAggregate(tt.src, tt.dst); got != tt.want {
			t.Errorf("CanAggregate(%s, %s) = %v, want %v", tt.src, tt.dst, got, tt.want)
		}
	}
}

func TestGapBetween(t *testing.T) {
	jan, feb, may := jan2024, time.Date(2024, 2, 1, 0, 0, 0, 0, time.UTC).UnixMilli(), time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC).UnixMilli()
	tests := []struct {
		iv         market.Interval
		prev, next int64
		want       Gap
		ok         bool
	}{
		{market.Minute1, jan, jan + minute, Gap{}, false},
		{market.Minute1, jan, jan + 2*minute, Gap{jan + minute, jan + 2*minute, 1}, true},
		{market.Minute1, jan, jan + 285*minute, Gap{jan + minute, jan + 285*minute, 284}, true},
		{market.Hour1, jan, jan + 3*60*minute, Gap{jan + 60*minute, jan + 180*minute, 2}, true},
		{market.Month1, jan, feb, Gap{}, false},
		{market.Month1, jan, may, Gap{feb, may, 3}, true},
	}
	for _, tt := range tests {
		got, ok := GapBetween(tt.iv, tt.prev, tt.next)
		if ok != tt.ok || got != tt.want {
			t.Errorf("GapBetween(%s, %d, %d) = %+v, %v; want %+v, %v", tt.iv, tt.prev, tt.next, got, ok, tt.want, tt.ok)
		}
	}
	times := []int64{jan, jan + minute, jan + 5*minute, jan + 6*minute, jan + 10*minute}
	gaps := FindGaps(market.Minute1, times)
	want := []Gap{{jan + 2*minute, jan + 5*minute, 3}, {jan + 7*minute, jan + 10*minute, 3}}
	if len(gaps) != 2 || gaps[0] != want[0] || gaps[1] != want[1] {
		t.Fatalf("FindGaps = %+v, want %+v", gaps, want)
	}
}

// BenchmarkAggregate folds 1m bars into 1h bars; the budget is 0 allocations
// per bar.
func BenchmarkAggregate(b *testing.B) {
	bars := testBars(b, 100_000, market.Minute1, jan2024)
	a, err := NewAggregator(market.Minute1, market.Hour1)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	n := 0
	for b.Loop() {
		for _, bar := range bars {
			if _, _, err := a.Add(bar); err != nil {
				b.Fatal(err)
			}
		}
		a.Flush()
		*a = Aggregator{src: market.Minute1, dst: market.Hour1}
		n += len(bars)
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "bars/s")
}

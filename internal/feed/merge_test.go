package feed

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/thunes/thunes/internal/market"
)

type errSource struct {
	bars []market.Bar
	err  error
}

func (s *errSource) Next() (market.Bar, bool) {
	if len(s.bars) == 0 {
		return market.Bar{}, false
	}
	b := s.bars[0]
	s.bars = s.bars[1:]
	return b, true
}

func (s *errSource) Err() error { return s.err }

func drain(t *testing.T, m *Merger) []string {
	t.Helper()
	var out []string
	for m.Next() {
		e := m.Event()
		out = append(out, fmt.Sprintf("%d %s %s %d", e.Close, e.Symbol, e.Interval, e.Bar.Time))
	}
	if err := m.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestMergerOrder(t *testing.T) {
	t0 := jan2024
	mk := func(iv market.Interval, n int) []market.Bar {
		var bars []market.Bar
		for i := range n {
			bars = append(bars, bar(t0+int64(i)*int64(iv), "1", "1", "1", "1", "1"))
		}
		return bars
	}
	streams := func() []Stream {
		return []Stream{
			{Symbol: "ETHUSDT", Interval: market.Minute1, Source: SliceSource(mk(market.Minute1, 10))},
			{Symbol: "BTCUSDT", Interval: market.Minute5, Source: SliceSource(mk(market.Minute5, 2))},
			{Symbol: "BTCUSDT", Interval: market.Minute1, Source: SliceSource(mk(market.Minute1, 10))},
			{Symbol: "ADAUSDT", Interval: market.Minute1, Source: SliceSource(mk(market.Minute1, 3)[1:])},
		}
	}
	m, err := NewMerger(streams()...)
	if err != nil {
		t.Fatal(err)
	}
	got := drain(t, m)
	if len(got) != 10+2+10+2 {
		t.Fatalf("merged %d bars, want 24", len(got))
	}
	// The 00:05 close: BTCUSDT 1m, BTCUSDT 5m, then ETHUSDT 1m.
	close5 := t0 + 5*minute
	var at5 []string
	for _, g := range got {
		if strings.HasPrefix(g, fmt.Sprint(close5)+" ") {
			at5 = append(at5, g)
		}
	}
	want5 := []string{
		fmt.Sprintf("%d BTCUSDT 1m %d", close5, t0+4*minute),
		fmt.Sprintf("%d BTCUSDT 5m %d", close5, t0),
		fmt.Sprintf("%d ETHUSDT 1m %d", close5, t0+4*minute),
	}
	if !slices.Equal(at5, want5) {
		t.Fatalf("bars closing at 00:05 = %q, want %q", at5, want5)
	}
	// Sorted by (close, symbol, interval length) everywhere.
	if !slices.IsSortedFunc(got, func(a, b string) int {
		var ca, cb int64
		var sa, sb, ia, ib string
		fmt.Sscan(a, &ca, &sa, &ia)
		fmt.Sscan(b, &cb, &sb, &ib)
		if ca != cb {
			return int(ca - cb)
		}
		return strings.Compare(sa, sb)
	}) {
		t.Fatalf("not sorted: %q", got)
	}
	// The order does not depend on the order the streams are given in.
	for perm := range 6 {
		s := streams()
		for i := range perm {
			s[i%len(s)], s[(i+1)%len(s)] = s[(i+1)%len(s)], s[i%len(s)]
		}
		m, err := NewMerger(s...)
		if err != nil {
			t.Fatal(err)
		}
		if again := drain(t, m); !slices.Equal(again, got) {
			t.Fatalf("permutation %d gives another order", perm)
		}
	}
}

func TestMergerRejects(t *testing.T) {
	ok := []market.Bar{bar(jan2024, "1", "1", "1", "1", "1")}
	boom := errors.New("disk on fire")
	tests := []struct {
		name    string
		streams []Stream
		wantErr string
	}{
		{"twice", []Stream{{"BTCUSDT", market.Minute1, SliceSource(ok)}, {"BTCUSDT", market.Minute1, SliceSource(ok)}}, "given twice"},
		{"bad symbol", []Stream{{"btc", market.Minute1, SliceSource(ok)}}, "unknown symbol"},
		{"bad interval", []Stream{{"BTCUSDT", market.Interval(7), SliceSource(ok)}}, "unknown interval"},
		{"no source", []Stream{{"BTCUSDT", market.Minute1, nil}}, "no source"},
		{"out of order", []Stream{{"BTCUSDT", market.Minute1, SliceSource([]market.Bar{ok[0], ok[0]})}}, "is not after"},
		{"source error", []Stream{{"BTCUSDT", market.Minute1, &errSource{bars: ok, err: boom}}}, "disk on fire"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := NewMerger(tt.streams...)
			if err == nil {
				for m.Next() {
				}
				err = m.Err()
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("error = %v, want %q", err, tt.wantErr)
			}
		})
	}
}

// BenchmarkMerge merges 8 series of 1m bars; the budget is 0 allocations per
// bar.
func BenchmarkMerge(b *testing.B) {
	syms := []string{"BTCUSDT", "ETHUSDT", "BNBUSDT", "SOLUSDT", "XRPUSDT", "ADAUSDT", "DOGEUSDT", "LTCUSDT"}
	series := make([][]market.Bar, len(syms))
	for i := range syms {
		series[i] = testBars(b, 20_000, market.Minute1, jan2024)
	}
	b.ReportAllocs()
	n := 0
	for b.Loop() {
		streams := make([]Stream, len(syms))
		for i, s := range syms {
			streams[i] = Stream{Symbol: s, Interval: market.Minute1, Source: SliceSource(series[i])}
		}
		m, err := NewMerger(streams...)
		if err != nil {
			b.Fatal(err)
		}
		for m.Next() {
			n++
		}
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "bars/s")
}

package feed

import (
	"fmt"

	"github.com/thunes/thunes/internal/market"
)

// BarSource yields the bars of one series in increasing time.
type BarSource interface {
	// Next returns the next bar and true, or false at the end or on error.
	Next() (market.Bar, bool)
	// Err returns the error that ended the source, or nil at a clean end.
	Err() error
}

type sliceSource struct {
	bars []market.Bar
	i    int
}

// SliceSource returns a BarSource over bars; it does not copy them.
func SliceSource(bars []market.Bar) BarSource { return &sliceSource{bars: bars} }

func (s *sliceSource) Next() (market.Bar, bool) {
	if s.i >= len(s.bars) {
		return market.Bar{}, false
	}
	s.i++
	return s.bars[s.i-1], true
}

func (s *sliceSource) Err() error { return nil }

// Stream is one series to merge: its symbol, its interval and its bars.
type Stream struct {
	Symbol   string
	Interval market.Interval
	Source   BarSource
}

// Event is one bar out of a Merger, with the series it belongs to.
type Event struct {
	Symbol   string
	Interval market.Interval
	// Close is the bar's close time, Interval.Next(Bar.Time), in Unix ms:
	// the instant the bar becomes known.
	Close int64
	Bar   market.Bar
}

// Merger interleaves several series into one stream ordered by close time,
// the order in which a live feed would have delivered the bars. Bars that
// close at the same instant come out in a fixed order: by symbol name, then
// by interval (shorter first), so the same inputs always give the same
// sequence. It allocates nothing per bar and is not safe for concurrent use.
type Merger struct {
	streams []Stream
	heads   []Event
	heap    []int
	ev      Event
	err     error
}

// NewMerger returns a Merger over streams. Each (symbol, interval) may appear
// once; symbols must be valid (see ValidSymbol).
func NewMerger(streams ...Stream) (*Merger, error) {
	m := &Merger{streams: streams, heads: make([]Event, len(streams)), heap: make([]int, 0, len(streams))}
	seen := make(map[Stream]bool, len(streams))
	for i, s := range streams {
		if err := ValidSymbol(s.Symbol); err != nil {
			return nil, fmt.Errorf("merge stream %d: %w", i, err)
		}
		if _, err := market.ParseInterval(s.Interval.String()); err != nil {
			return nil, fmt.Errorf("merge stream %d (%s): %w", i, s.Symbol, err)
		}
		if s.Source == nil {
			return nil, fmt.Errorf("merge stream %d (%s %s): no source", i, s.Symbol, s.Interval)
		}
		key := Stream{Symbol: s.Symbol, Interval: s.Interval}
		if seen[key] {
			return nil, fmt.Errorf("merge: stream %s %s given twice", s.Symbol, s.Interval)
		}
		seen[key] = true
		m.heads[i] = Event{Symbol: s.Symbol, Interval: s.Interval}
		if m.advance(i) {
			m.push(i)
		}
		if m.err != nil {
			return nil, m.err
		}
	}
	return m, nil
}

// advance loads the next bar of stream i into its head and reports whether
// there was one. A bar that does not close after the previous one is an error.
func (m *Merger) advance(i int) bool {
	s := &m.streams[i]
	b, ok := s.Source.Next()
	if !ok {
		if err := s.Source.Err(); err != nil {
			m.err = fmt.Errorf("merge %s %s: %w", s.Symbol, s.Interval, err)
		}
		return false
	}
	h := &m.heads[i]
	// h.Close is 0 before the first bar of the stream.
	closeAt := s.Interval.Next(b.Time)
	if h.Close != 0 && closeAt <= h.Close {
		m.err = fmt.Errorf("merge %s %s: bar at %s is not after the bar at %s", s.Symbol, s.Interval, fmtTime(b.Time), fmtTime(h.Bar.Time))
		return false
	}
	h.Bar, h.Close = b, closeAt
	return true
}

// Next moves to the next bar and reports whether there is one. It returns
// false at the end of every stream or on the first error; Err tells which.
func (m *Merger) Next() bool {
	if m.err != nil || len(m.heap) == 0 {
		return false
	}
	i := m.heap[0]
	m.ev = m.heads[i]
	if m.advance(i) {
		m.down(0)
	} else {
		if m.err != nil {
			return false
		}
		last := len(m.heap) - 1
		m.heap[0] = m.heap[last]
		m.heap = m.heap[:last]
		if last > 0 {
			m.down(0)
		}
	}
	return true
}

// Event returns the bar moved to by the last successful Next.
func (m *Merger) Event() Event { return m.ev }

// Err returns the error that stopped Next, or nil.
func (m *Merger) Err() error { return m.err }

// ivRank orders intervals by length, the calendar month last.
func ivRank(iv market.Interval) int64 {
	if iv == market.Month1 {
		return 1 << 62
	}
	return int64(iv)
}

func (m *Merger) less(a, b int) bool {
	x, y := &m.heads[a], &m.heads[b]
	if x.Close != y.Close {
		return x.Close < y.Close
	}
	if x.Symbol != y.Symbol {
		return x.Symbol < y.Symbol
	}
	return ivRank(x.Interval) < ivRank(y.Interval)
}

func (m *Merger) push(i int) {
	m.heap = append(m.heap, i)
	j := len(m.heap) - 1
	for j > 0 {
		p := (j - 1) / 2
		if !m.less(m.heap[j], m.heap[p]) {
			break
		}
		m.heap[j], m.heap[p] = m.heap[p], m.heap[j]
		j = p
	}
}

func (m *Merger) down(j int) {
	n := len(m.heap)
	for {
		l := 2*j + 1
		if l >= n {
			return
		}
		c := l
		if r := l + 1; r < n && m.less(m.heap[r], m.heap[l]) {
			c = r
		}
		if !m.less(m.heap[c], m.heap[j]) {
			return
		}
		m.heap[j], m.heap[c] = m.heap[c], m.heap[j]
		j = c
	}
}

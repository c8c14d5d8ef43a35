package indicator

import "fmt"

// MACD is the moving average convergence/divergence of TA-Lib: the fast EMA
// minus the slow EMA, a signal EMA of that line and their difference, the
// histogram. As in TA-Lib the fast EMA is seeded on the Fast closes that end
// where the slow EMA's seed ends, so both start on the same bar, and the
// signal is seeded with the simple average of the first Signal MACD values.
type MACD struct {
	slowPeriod int
	fastStart  int
	count      int
	fast       *EMA
	slow       *EMA
	signal     *EMA
	macd       float64
	sig        float64
	hist       float64
}

// NewMACD returns a MACD with the given EMA periods (12, 26, 9 is usual). It
// returns an error wrapping ErrInvalidPeriod unless 1 <= fast < slow and
// signal >= 1.
func NewMACD(fast, slow, signal int) (*MACD, error) {
	if err := checkPeriod("macd fast", fast, 1); err != nil {
		return nil, err
	}
	if err := checkPeriod("macd slow", slow, fast+1); err != nil {
		return nil, fmt.Errorf("slow must exceed fast: %w", err)
	}
	if err := checkPeriod("macd signal", signal, 1); err != nil {
		return nil, err
	}
	return &MACD{
		slowPeriod: slow,
		fastStart:  slow - fast,
		fast:       newEMA(fast),
		slow:       newEMA(slow),
		signal:     newEMA(signal),
		macd:       nan,
		sig:        nan,
		hist:       nan,
	}, nil
}

// Update adds the next close and returns the MACD line, the signal line and
// the histogram, all NaN until Ready.
func (m *MACD) Update(close float64) (macd, signal, hist float64) {
	m.count++
	if m.count > m.fastStart {
		m.fast.Update(close)
	}
	m.slow.Update(close)
	if !m.slow.Ready() {
		return m.macd, m.sig, m.hist
	}
	line := m.fast.Value() - m.slow.Value()
	m.signal.Update(line)
	if m.signal.Ready() {
		m.macd = line
		m.sig = m.signal.Value()
		m.hist = m.macd - m.sig
	}
	return m.macd, m.sig, m.hist
}

// Ready reports whether the signal line has warmed up, after
// Slow + Signal - 1 closes.
func (m *MACD) Ready() bool { return m.signal.Ready() }

// Value returns the latest MACD line, NaN until Ready.
func (m *MACD) Value() float64 { return m.macd }

// Signal returns the latest signal line, NaN until Ready.
func (m *MACD) Signal() float64 { return m.sig }

// Hist returns the latest histogram, NaN until Ready.
func (m *MACD) Hist() float64 { return m.hist }

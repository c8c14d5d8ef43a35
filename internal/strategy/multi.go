package strategy

import (
	"fmt"
	"strings"

	"github.com/thunes/thunes/internal/order"
)

// Multi runs several strategies in one account, typically one per symbol:
// every event goes to each of them in order, and each filters what it
// trades. Its timer is its parts' timer, which must then be the same.
type Multi struct {
	parts []Strategy
	every int64
	timed []Timer
}

// NewMulti combines parts; parts with timers must share their period.
func NewMulti(parts ...Strategy) (Strategy, error) {
	if len(parts) == 0 {
		return nil, fmt.Errorf("multi: no strategies")
	}
	m := &Multi{parts: parts}
	for _, p := range parts {
		t, ok := p.(Timer)
		if !ok {
			continue
		}
		if m.every != 0 && t.Every() != m.every {
			return nil, fmt.Errorf("multi: timers of %d ms and %d ms cannot run together", m.every, t.Every())
		}
		m.every = t.Every()
		m.timed = append(m.timed, t)
	}
	if len(m.timed) == 0 {
		return m, nil
	}
	return timedMulti{m}, nil
}

// timedMulti is a Multi whose parts have a timer.
type timedMulti struct{ *Multi }

// Every implements Timer.
func (m timedMulti) Every() int64 { return m.every }

// OnTimer implements Timer.
func (m timedMulti) OnTimer(ctx Context, at int64) {
	for _, t := range m.timed {
		t.OnTimer(ctx, at)
	}
}

// Name implements Strategy: the parts' names joined by "+", repeats once.
func (m *Multi) Name() string {
	var names []string
	for _, p := range m.parts {
		if n := p.Name(); len(names) == 0 || names[len(names)-1] != n {
			names = append(names, n)
		}
	}
	return strings.Join(names, "+")
}

// Start implements Strategy.
func (m *Multi) Start(ctx Context) error {
	for _, p := range m.parts {
		if err := p.Start(ctx); err != nil {
			return err
		}
	}
	return nil
}

// OnBar implements Strategy.
func (m *Multi) OnBar(ctx Context, ev BarEvent) {
	for _, p := range m.parts {
		p.OnBar(ctx, ev)
	}
}

// OnOrder implements Strategy.
func (m *Multi) OnOrder(ctx Context, o *order.Order, f *order.Fill) {
	for _, p := range m.parts {
		p.OnOrder(ctx, o, f)
	}
}

// OnGap implements Strategy.
func (m *Multi) OnGap(ctx Context, g Gap) {
	for _, p := range m.parts {
		p.OnGap(ctx, g)
	}
}

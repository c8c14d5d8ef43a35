package risk

import "fmt"

// State is the trading state the gate enforces.
type State uint8

// Trading states. The zero State is not a state; a source that reports it
// is treated as HALTED.
const (
	// Active: every rule applies and nothing more.
	Active State = iota + 1
	// Reducing: only intents that reduce a position without reversing it are
	// allowed.
	Reducing
	// Halted: every order is denied; cancels still go through.
	Halted
)

// String returns "ACTIVE", "REDUCING" or "HALTED".
func (s State) String() string {
	switch s {
	case Active:
		return "ACTIVE"
	case Reducing:
		return "REDUCING"
	case Halted:
		return "HALTED"
	}
	return fmt.Sprintf("State(%d)", uint8(s))
}

// Status is the trading state at a moment, as the gate reads it.
type Status struct {
	// State is the trading state.
	State State
	// CoolDownUntil is when a running cool-down ends, in Unix milliseconds;
	// entries are denied while the clock is before it. Zero means none.
	CoolDownUntil int64
}

// StateSource tells the gate the trading state. Monitor implements it.
type StateSource interface {
	// Status returns the state at now (Unix ms). It may first apply the
	// changes time alone causes (a new day lifting a daily halt, a cool-down
	// ending) and record them; it must not allocate when nothing changes.
	Status(now int64) Status
}

// Switch tells the gate whether the kill-switch is tripped. KillSwitch
// implements it.
type Switch interface {
	// Tripped reports whether trading is switched off. It must be cheap and
	// safe for concurrent use.
	Tripped() bool
}

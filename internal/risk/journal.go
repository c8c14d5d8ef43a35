package risk

import (
	"fmt"
	"sync"

	"github.com/thunes/thunes/internal/num"
	"github.com/thunes/thunes/internal/order"
)

// EventKind says what an Event records.
type EventKind uint8

// Event kinds.
const (
	// EventDecision is a gate decision, allowed or denied.
	EventDecision EventKind = iota + 1
	// EventStateChange is a move between ACTIVE, REDUCING and HALTED.
	EventStateChange
	// EventCoolDownStart is the start of a cool-down after consecutive
	// losses; Until is its end.
	EventCoolDownStart
	// EventCoolDownEnd is the end of a cool-down.
	EventCoolDownEnd
	// EventTrip is a kill-switch trip (or a trip attempt on a tripped one).
	EventTrip
	// EventReset is a kill-switch reset.
	EventReset
)

// String returns the kind's stable name, such as "DECISION".
func (k EventKind) String() string {
	switch k {
	case EventDecision:
		return "DECISION"
	case EventStateChange:
		return "STATE_CHANGE"
	case EventCoolDownStart:
		return "COOL_DOWN_START"
	case EventCoolDownEnd:
		return "COOL_DOWN_END"
	case EventTrip:
		return "KILL_SWITCH_TRIP"
	case EventReset:
		return "KILL_SWITCH_RESET"
	}
	return fmt.Sprintf("EventKind(%d)", uint8(k))
}

// Event is one thing the risk engine did. It is passed by value and holds no
// pointers the risk engine keeps, so a journal may store it as it is. Fields
// that do not apply to its Kind are zero.
type Event struct {
	// Kind says what the event records.
	Kind EventKind
	// Time is when it happened, in Unix milliseconds.
	Time int64

	// Decision is the gate's answer (EventDecision).
	Decision Decision
	// Action and Effect are the intent's (EventDecision).
	Action Action
	Effect Effect
	// ClientID, Side, Type, Quantity and Price are its order's.
	ClientID string
	Side     order.Side
	Type     order.Type
	Quantity num.Decimal
	Price    num.Decimal
	// StopLoss is the intent's protective stop.
	StopLoss num.Decimal

	// From and To are the states before and after an EventStateChange (the
	// state during a cool-down or trip event).
	From, To State
	// Until is when a daily halt or a cool-down ends, in Unix ms; 0 when a
	// person must act.
	Until int64

	// Cause is the rule or command behind a state change, cool-down or trip,
	// such as "DAILY_LOSS", "MAX_DRAWDOWN", "CONSECUTIVE_LOSSES", "MANUAL".
	Cause string
	// By is who acted (a person's name, or "risk" for automatic changes) and
	// Reason why, in their words.
	By, Reason string
}

// String formats the event on one line for logs.
func (e Event) String() string {
	switch e.Kind {
	case EventDecision:
		return fmt.Sprintf("%d %s %s %s %s %s qty=%s price=%s stop=%s id=%s: %s", e.Time, e.Kind, e.Action,
			e.Effect, e.Side, e.Type, e.Quantity, e.Price, e.StopLoss, e.ClientID, e.Decision)
	case EventStateChange:
		return fmt.Sprintf("%d %s %s -> %s cause=%s until=%d by=%s reason=%q", e.Time, e.Kind, e.From, e.To,
			e.Cause, e.Until, e.By, e.Reason)
	}
	return fmt.Sprintf("%d %s cause=%s until=%d by=%s reason=%q", e.Time, e.Kind, e.Cause, e.Until, e.By, e.Reason)
}

// Journal receives every event of the risk engine. Record is called on the
// goroutine that caused the event (the kill-switch may be tripped from
// another one), must not block for long, and must not allocate when it
// records a decision: that is on the allow path of every order. A durable
// journal copies what it needs and writes it elsewhere.
type Journal interface {
	Record(e Event)
}

// Discard is a Journal that drops every event, for tests and tools that
// need none.
type Discard struct{}

// Record implements Journal by doing nothing.
func (Discard) Record(Event) {}

// MemoryJournal keeps the most recent events in a ring allocated once, and
// counts every event by kind and every decision by code, so nothing is lost
// from the totals when the ring wraps. Allowed decisions are recorded like
// denials: the ring stores events by value, so recording never allocates.
// It is safe for concurrent use.
type MemoryJournal struct {
	mu      sync.Mutex
	ring    []Event
	next    int   // slot the next event goes to
	total   int64 // events ever recorded
	byKind  [EventReset + 1]int64
	byCodes [numCodes]int64
}

// NewMemoryJournal returns a journal keeping the last capacity events
// (at least 1).
func NewMemoryJournal(capacity int) *MemoryJournal {
	return &MemoryJournal{ring: make([]Event, max(capacity, 1))}
}

// Record implements Journal.
func (j *MemoryJournal) Record(e Event) {
	j.mu.Lock()
	j.ring[j.next] = e
	j.next++
	if j.next == len(j.ring) {
		j.next = 0
	}
	j.total++
	if int(e.Kind) < len(j.byKind) {
		j.byKind[e.Kind]++
	}
	if e.Kind == EventDecision && int(e.Decision.Code) < len(j.byCodes) {
		j.byCodes[e.Decision.Code]++
	}
	j.mu.Unlock()
}

// Events returns a copy of the events still in the ring, oldest first.
func (j *MemoryJournal) Events() []Event {
	j.mu.Lock()
	defer j.mu.Unlock()
	n := int(min(j.total, int64(len(j.ring))))
	out := make([]Event, 0, n)
	start := j.next - n
	if start < 0 {
		start += len(j.ring)
	}
	for i := range n {
		out = append(out, j.ring[(start+i)%len(j.ring)])
	}
	return out
}

// Last returns the most recent event and false when none was recorded.
func (j *MemoryJournal) Last() (Event, bool) {
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.total == 0 {
		return Event{}, false
	}
	i := j.next - 1
	if i < 0 {
		i = len(j.ring) - 1
	}
	return j.ring[i], true
}

// Total returns how many events were ever recorded.
func (j *MemoryJournal) Total() int64 {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.total
}

// CountKind returns how many events of kind were ever recorded.
func (j *MemoryJournal) CountKind(k EventKind) int64 {
	j.mu.Lock()
	defer j.mu.Unlock()
	if int(k) < len(j.byKind) {
		return j.byKind[k]
	}
	return 0
}

// CountCode returns how many decisions with code were ever recorded.
func (j *MemoryJournal) CountCode(c Code) int64 {
	j.mu.Lock()
	defer j.mu.Unlock()
	if int(c) < len(j.byCodes) {
		return j.byCodes[c]
	}
	return 0
}

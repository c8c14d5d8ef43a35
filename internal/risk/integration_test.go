package risk

import (
	"path/filepath"
	"testing"
)

// riskStack is the gate, monitor and kill-switch wired as the engine wires
// them.
type riskStack struct {
	gate    *Gate
	monitor *Monitor
	kill    *KillSwitch
	journal *MemoryJournal
}

func newRiskStack(tb testing.TB) *riskStack {
	tb.Helper()
	cfg := Defaults()
	j := NewMemoryJournal(256)
	k, err := OpenKillSwitch(FileStore{Path: filepath.Join(tb.TempDir(), "kill.json")}, j, t0)
	if err != nil {
		tb.Fatal(err)
	}
	m, err := NewMonitor(cfg, j)
	if err != nil {
		tb.Fatal(err)
	}
	g, err := NewGate(cfg, m, k, j)
	if err != nil {
		tb.Fatal(err)
	}
	return &riskStack{gate: g, monitor: m, kill: k, journal: j}
}

func TestMonitorDrivesTheGate(t *testing.T) {
	s := newRiskStack(t)
	v := baseView(t)
	v.hold("BTCUSDT", "0.02")
	now := t0
	check := func(in Intent) Code {
		now += 20_000 // past the duplicate window
		setLastTime(v, "BTCUSDT", now)
		return s.gate.Check(&in, v, now).Code
	}
	entry, reduce := buyEntry("0.02", "50000", "49000"), sellReduce("0.01", "50000")

	s.monitor.OnEquity(d("10000"), now)
	if c := check(entry); c != CodeAllowed {
		t.Fatalf("entry while active: %v", c)
	}

	// Three losing trades: a cool-down denies entries, not reduces.
	for range 3 {
		s.monitor.OnTradeClosed(d("-5"), now)
	}
	if c := check(entry); c != CodeCoolDown {
		t.Fatalf("entry in a cool-down: %v", c)
	}
	if c := check(reduce); c != CodeAllowed {
		t.Fatalf("reduce in a cool-down: %v", c)
	}
	now += 3_600_000 // the cool-down ends
	if c := check(entry); c != CodeAllowed {
		t.Fatalf("entry after the cool-down: %v", c)
	}

	// A person asks for reduce-only.
	if err := s.monitor.Reduce("alice", "month end", now); err != nil {
		t.Fatal(err)
	}
	if c := check(entry); c != CodeReduceOnly {
		t.Fatalf("entry while reducing: %v", c)
	}
	if c := check(reduce); c != CodeAllowed {
		t.Fatalf("reduce while reducing: %v", c)
	}
	if err := s.monitor.Resume("alice", "done", now); err != nil {
		t.Fatal(err)
	}

	// The daily loss limit halts everything until the day ends.
	s.monitor.OnEquity(d("9700"), now)
	if c := check(reduce); c != CodeHalted {
		t.Fatalf("reduce after the daily loss: %v", c)
	}
	now = s.monitor.Snapshot().DailyHaltUntil
	if c := check(entry); c != CodeAllowed {
		t.Fatalf("entry on the next day: %v", c)
	}

	// Everything above is in the journal.
	for _, k := range []EventKind{EventDecision, EventStateChange, EventCoolDownStart, EventCoolDownEnd} {
		if s.journal.CountKind(k) == 0 {
			t.Errorf("no %v event recorded", k)
		}
	}
}

package risk

import (
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/thunes/thunes/internal/num"
)

// ms returns the Unix ms of an RFC 3339 time.
func ms(tb testing.TB, s string) int64 {
	tb.Helper()
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		tb.Fatal(err)
	}
	return t.UnixMilli()
}

func newTestMonitor(tb testing.TB, change func(*Config)) (*Monitor, *MemoryJournal) {
	tb.Helper()
	cfg := Defaults()
	if change != nil {
		change(&cfg)
	}
	j := NewMemoryJournal(256)
	m, err := NewMonitor(cfg, j)
	if err != nil {
		tb.Fatal(err)
	}
	return m, j
}

// step is one input to a monitor and the state wanted after it.
type step struct {
	at     string // RFC 3339
	equity string // "" for none
	pnl    string // "" for none: a closed trade's PnL
	want   State
	cool   bool // a cool-down is running after the step
}

func runSteps(t *testing.T, m *Monitor, steps []step) {
	t.Helper()
	for i, s := range steps {
		now := ms(t, s.at)
		if s.pnl != "" {
			m.OnTradeClosed(d(s.pnl), now)
		}
		if s.equity != "" {
			m.OnEquity(d(s.equity), now)
		}
		st := m.Status(now)
		if st.State != s.want || (st.CoolDownUntil != 0) != s.cool {
			t.Fatalf("step %d (%s equity=%s pnl=%s): status %v cool-down until %d; want %v, cool-down %v",
				i, s.at, s.equity, s.pnl, st.State, st.CoolDownUntil, s.want, s.cool)
		}
	}
}

func TestMonitorDailyLoss(t *testing.T) {
	tests := []struct {
		name  string
		tz    string
		steps []step
	}{
		{"a cent short of 3% does not halt", "UTC", []step{
			{at: "2024-05-01T01:00:00Z", equity: "10000", want: Active},
			{at: "2024-05-01T02:00:00Z", equity: "9700.01", want: Active},
		}},
		{"exactly 3% halts until midnight", "UTC", []step{
			{at: "2024-05-01T01:00:00Z", equity: "10000", want: Active},
			{at: "2024-05-01T02:00:00Z", equity: "9700", want: Halted},
			{at: "2024-05-01T02:00:01Z", equity: "10500", want: Halted}, // a recovery does not lift it
			{at: "2024-05-01T23:59:59Z", want: Halted},
			{at: "2024-05-02T00:00:00Z", want: Active},
		}},
		{"the day starts from the last equity of the day before", "UTC", []step{
			{at: "2024-05-01T01:00:00Z", equity: "10000", want: Active},
			{at: "2024-05-01T23:00:00Z", equity: "9800", want: Active},
			// 9800 × 0.97 = 9506: the loss is counted from 9800, not 10000.
			{at: "2024-05-02T01:00:00Z", equity: "9506.01", want: Active},
			{at: "2024-05-02T02:00:00Z", equity: "9506", want: Halted},
		}},
		{"a small loss every day never halts", "UTC", []step{
			{at: "2024-05-01T12:00:00Z", equity: "10000", want: Active},
			{at: "2024-05-01T23:00:00Z", equity: "9750", want: Active},
			{at: "2024-05-02T23:00:00Z", equity: "9500", want: Active},
			{at: "2024-05-03T23:00:00Z", equity: "9260", want: Active},
		}},
		{"the day follows the zone", "America/New_York", []step{
			// 2024-05-01 in New York runs from 04:00Z to 04:00Z the next day.
			{at: "2024-05-01T05:00:00Z", equity: "10000", want: Active},
			{at: "2024-05-02T03:00:00Z", equity: "9700", want: Halted},
			{at: "2024-05-02T03:59:59Z", want: Halted},
			{at: "2024-05-02T04:00:00Z", want: Active},
		}},
		{"a 23-hour day at the spring clock change", "America/New_York", []step{
			// 2024-03-10 starts at 05:00Z (EST) and ends at 04:00Z (EDT).
			{at: "2024-03-10T06:00:00Z", equity: "10000", want: Active},
			{at: "2024-03-10T07:00:00Z", equity: "9000", want: Halted},
			{at: "2024-03-11T03:59:59Z", want: Halted},
			{at: "2024-03-11T04:00:00Z", want: Active},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, _ := newTestMonitor(t, func(c *Config) { c.DailyTimeZone = tt.tz; c.MaxDrawdownPct = d("50") })
			runSteps(t, m, tt.steps)
		})
	}
}

func TestMonitorDrawdown(t *testing.T) {
	m, j := newTestMonitor(t, func(c *Config) { c.DailyLossPct = d("50") })
	runSteps(t, m, []step{
		{at: "2024-05-01T01:00:00Z", equity: "10000", want: Active},
		{at: "2024-05-02T01:00:00Z", equity: "12000", want: Active},    // the peak
		{at: "2024-05-03T01:00:00Z", equity: "10800.01", want: Active}, // 9.99992%
		{at: "2024-05-04T01:00:00Z", equity: "10800", want: Halted},    // exactly 10%
		{at: "2024-05-09T01:00:00Z", equity: "10500", want: Halted},    // days do not lift it
	})
	now := ms(t, "2024-05-09T02:00:00Z")
	if err := m.Resume("alice", "", now); err == nil {
		t.Fatal("resume without a reason succeeded")
	}
	if m.Status(now).State != Halted {
		t.Fatal("a refused resume changed the state")
	}
	if err := m.Resume("alice", "reviewed the losses", now); err != nil {
		t.Fatal(err)
	}
	last, _ := j.Last()
	if last.Kind != EventStateChange || last.From != Halted || last.To != Active || last.By != "alice" ||
		last.Cause != CauseResume || last.Reason != "reviewed the losses" {
		t.Errorf("resume event = %+v", last)
	}
	// The peak restarted from the last equity, 10500, not 12000 (which would
	// halt again at once): 10% of it is 1050.
	runSteps(t, m, []step{
		{at: "2024-05-10T01:00:00Z", equity: "10500", want: Active},
		{at: "2024-05-11T01:00:00Z", equity: "9450.01", want: Active},
		{at: "2024-05-12T01:00:00Z", equity: "9450", want: Halted},
	})
}

func TestMonitorConsecutiveLosses(t *testing.T) {
	m, j := newTestMonitor(t, nil) // 3 losses, 60 minutes
	runSteps(t, m, []step{
		{at: "2024-05-01T01:00:00Z", equity: "10000", want: Active},
		{at: "2024-05-01T01:01:00Z", pnl: "-10", want: Active},
		{at: "2024-05-01T01:02:00Z", pnl: "-10", want: Active},
		{at: "2024-05-01T01:03:00Z", pnl: "5", want: Active}, // a win ends the streak
		{at: "2024-05-01T01:04:00Z", pnl: "-10", want: Active},
		{at: "2024-05-01T01:05:00Z", pnl: "-10", want: Active},
		{at: "2024-05-01T01:06:00Z", pnl: "0", want: Active}, // break-even ends it too
		{at: "2024-05-01T01:07:00Z", pnl: "-10", want: Active},
		{at: "2024-05-01T01:08:00Z", pnl: "-10", want: Active},
		{at: "2024-05-01T01:09:00Z", pnl: "-0.01", want: Active, cool: true},
		{at: "2024-05-01T02:08:59.999Z", want: Active, cool: true},
		{at: "2024-05-01T02:09:00Z", want: Active},
	})
	if n := j.CountKind(EventCoolDownStart); n != 1 {
		t.Errorf("cool-down starts = %d, want 1", n)
	}
	if n := j.CountKind(EventCoolDownEnd); n != 1 {
		t.Errorf("cool-down ends = %d, want 1", n)
	}
	if m.Losses() != 0 {
		t.Errorf("streak after a cool-down = %d, want 0", m.Losses())
	}
}

func TestMonitorCommands(t *testing.T) {
	now := ms(t, "2024-05-01T01:00:00Z")
	tests := []struct {
		name string
		run  func(m *Monitor) error
		want State
		err  bool
	}{
		{"halt", func(m *Monitor) error { return m.Halt("alice", "exchange incident", now) }, Halted, false},
		{"halt needs a name", func(m *Monitor) error { return m.Halt("", "x", now) }, Active, true},
		{"halt needs a reason", func(m *Monitor) error { return m.Halt("alice", "", now) }, Active, true},
		{"halt twice", func(m *Monitor) error {
			_ = m.Halt("alice", "x", now)
			return m.Halt("bob", "y", now)
		}, Halted, true},
		{"reduce", func(m *Monitor) error { return m.Reduce("alice", "winding down", now) }, Reducing, false},
		{"reduce twice", func(m *Monitor) error {
			_ = m.Reduce("alice", "x", now)
			return m.Reduce("alice", "x", now)
		}, Reducing, true},
		{"halt beats reduce", func(m *Monitor) error {
			_ = m.Reduce("alice", "x", now)
			return m.Halt("alice", "y", now)
		}, Halted, false},
		{"resume lifts halt and reduce", func(m *Monitor) error {
			_ = m.Reduce("alice", "x", now)
			_ = m.Halt("alice", "y", now)
			return m.Resume("alice", "z", now)
		}, Active, false},
		{"resume with nothing to lift", func(m *Monitor) error { return m.Resume("alice", "z", now) }, Active, true},
		{"resume does not lift the daily halt", func(m *Monitor) error {
			m.OnEquity(d("10000"), now)
			m.OnEquity(d("9000"), now)
			err := m.Resume("alice", "z", now)
			if !errors.Is(err, ErrDailyHalt) {
				return errors.New("want ErrDailyHalt")
			}
			return err
		}, Halted, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, _ := newTestMonitor(t, nil)
			err := tt.run(m)
			if (err != nil) != tt.err {
				t.Fatalf("error = %v, want error %v", err, tt.err)
			}
			if got := m.Status(now).State; got != tt.want {
				t.Fatalf("state = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestMonitorReportsEveryTransition(t *testing.T) {
	m, j := newTestMonitor(t, nil)
	a := ms(t, "2024-05-01T01:00:00Z")
	m.OnEquity(d("10000"), a)
	m.OnEquity(d("9700"), a+1)                  // daily halt
	_ = m.Halt("alice", "checking", a+2)        // second cause, still halted
	_ = m.Resume("alice", "checked", a+3)       // lifts the person's halt only
	m.Status(ms(t, "2024-05-02T00:00:00Z"))     // the day ends
	_ = m.Reduce("bob", "end of month", a+86e6) // reduce-only
	want := []struct {
		from, to State
		cause    string
	}{
		{Active, Halted, CauseDailyLoss},
		{Halted, Halted, CauseManualHalt},
		{Halted, Halted, CauseResume},
		{Halted, Active, CauseNewDay},
		{Active, Reducing, CauseManualReduce},
	}
	var got []Event
	for _, e := range j.Events() {
		if e.Kind == EventStateChange {
			got = append(got, e)
		}
	}
	if len(got) != len(want) {
		t.Fatalf("%d state changes, want %d: %+v", len(got), len(want), got)
	}
	for i, w := range want {
		if got[i].From != w.from || got[i].To != w.to || got[i].Cause != w.cause {
			t.Errorf("change %d = %v -> %v (%s), want %v -> %v (%s)", i, got[i].From, got[i].To, got[i].Cause, w.from, w.to, w.cause)
		}
	}
	if got[0].Until != ms(t, "2024-05-02T00:00:00Z") {
		t.Errorf("daily halt until %d", got[0].Until)
	}
}

func TestMonitorSnapshotRestore(t *testing.T) {
	m, _ := newTestMonitor(t, func(c *Config) { c.DailyLossPct = d("50") })
	a := ms(t, "2024-05-01T01:00:00Z")
	m.OnEquity(d("10000"), a)
	m.OnEquity(d("8900"), a+1) // 11% drawdown
	m.OnTradeClosed(d("-1"), a+2)
	if m.State() != Halted {
		t.Fatal("not halted")
	}
	raw, err := json.Marshal(m.Snapshot())
	if err != nil {
		t.Fatal(err)
	}
	var s MonitorState
	if err := json.Unmarshal(raw, &s); err != nil {
		t.Fatal(err)
	}
	// A new process: the drawdown halt is still on, days later.
	m2, j2 := newTestMonitor(t, func(c *Config) { c.DailyLossPct = d("50") })
	later := ms(t, "2024-05-05T01:00:00Z")
	if err := m2.Restore(s, later); err != nil {
		t.Fatal(err)
	}
	if st := m2.Status(later); st.State != Halted {
		t.Fatalf("restored state %v, want HALTED", st.State)
	}
	if m2.Losses() != 1 {
		t.Errorf("restored streak = %d", m2.Losses())
	}
	if e, _ := j2.Last(); e.Kind != EventStateChange || e.Cause != CauseRestore || e.To != Halted {
		t.Errorf("restore event = %+v", e)
	}
	if err := m2.Restore(MonitorState{Losses: -1}, later); err == nil {
		t.Error("restored a negative streak")
	}
	if m2.State() != Halted {
		t.Error("a refused restore changed the state")
	}
}

func TestMonitorLongEquity(t *testing.T) {
	// Equity as the account computes it can carry 16 decimals.
	m, _ := newTestMonitor(t, nil)
	a := ms(t, "2024-05-01T01:00:00Z")
	m.OnEquity(d("10000.1234567812345678"), a)
	m.OnEquity(d("9700.1234567812345678"), a+1)
	if m.State() != Active {
		t.Fatalf("state %v after a 2.99996%% loss", m.State())
	}
	m.OnEquity(d("9700.11"), a+2)
	if m.State() != Halted {
		t.Fatalf("state %v after a 3.00004%% loss", m.State())
	}
}

func TestMonitorStatusDoesNotAllocate(t *testing.T) {
	m, _ := newTestMonitor(t, nil)
	now := t0
	m.OnEquity(num.FromInt(10000), now)
	allocs := testing.AllocsPerRun(100, func() {
		now += 1000
		m.Status(now)
		m.OnEquity(num.FromInt(10000), now)
	})
	if allocs != 0 {
		t.Errorf("Status and OnEquity allocate %v times", allocs)
	}
}

func TestNewMonitorRefusesBadInput(t *testing.T) {
	bad := Defaults()
	bad.DailyLossPct = num.Zero
	if _, err := NewMonitor(bad, Discard{}); err == nil {
		t.Error("accepted a config without a daily loss limit")
	}
	if _, err := NewMonitor(Defaults(), nil); err == nil {
		t.Error("accepted a nil journal")
	}
}

func TestMonitorThresholds(t *testing.T) {
	cfg := Defaults() // daily loss 3%, drawdown 10%
	m, err := NewMonitor(cfg, Discard{})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, ok := m.Thresholds(); ok {
		t.Fatal("thresholds before any equity")
	}
	const day = int64(86_400_000)
	m.OnEquity(num.MustParse("10000"), day/2)
	floor, peak, ok := m.Thresholds()
	if !ok || !floor.Equal(num.MustParse("9700")) || !peak.Equal(num.MustParse("10000")) {
		t.Fatalf("floor %s peak %s", floor, peak)
	}
	// The daily limit trips: the drawdown floor (9000) is what is left.
	m.OnEquity(num.MustParse("9700"), day/2+1)
	if floor, _, _ = m.Thresholds(); !floor.Equal(num.MustParse("9000")) {
		t.Fatalf("floor after the daily halt %s", floor)
	}
	// The drawdown limit trips too: nothing is left to trip.
	m.OnEquity(num.MustParse("8999"), day/2+2)
	if floor, _, _ = m.Thresholds(); !floor.IsZero() {
		t.Fatalf("floor after both halts %s", floor)
	}
}

package risk

import (
	"strings"
	"testing"
)

func TestMemoryJournalRing(t *testing.T) {
	j := NewMemoryJournal(3)
	if _, ok := j.Last(); ok {
		t.Fatal("an empty journal has a last event")
	}
	if got := j.Events(); len(got) != 0 {
		t.Fatalf("empty journal holds %d events", len(got))
	}
	codes := []Code{CodeAllowed, CodeMaxExposure, CodeAllowed, CodeHalted, CodeAllowed}
	for i, c := range codes {
		j.Record(Event{Kind: EventDecision, Time: int64(i), Decision: Decision{Code: c}})
	}
	j.Record(Event{Kind: EventTrip, Time: 5, By: "alice"})
	ev := j.Events()
	if len(ev) != 3 || ev[0].Time != 3 || ev[1].Time != 4 || ev[2].Time != 5 {
		t.Fatalf("events = %+v, want times 3, 4, 5", ev)
	}
	if last, _ := j.Last(); last.Kind != EventTrip {
		t.Errorf("last = %+v", last)
	}
	if j.Total() != 6 || j.CountKind(EventDecision) != 5 || j.CountKind(EventTrip) != 1 {
		t.Errorf("total %d, decisions %d, trips %d", j.Total(), j.CountKind(EventDecision), j.CountKind(EventTrip))
	}
	if j.CountCode(CodeAllowed) != 3 || j.CountCode(CodeMaxExposure) != 1 || j.CountCode(CodeHalted) != 1 {
		t.Errorf("allowed %d, exposure %d, halted %d", j.CountCode(CodeAllowed), j.CountCode(CodeMaxExposure), j.CountCode(CodeHalted))
	}
	if j.CountKind(EventKind(99)) != 0 || j.CountCode(Code(99)) != 0 {
		t.Error("counts for unknown kinds")
	}
	// The copy is the caller's.
	ev[0].Time = 99
	if j.Events()[0].Time != 3 {
		t.Error("Events returned the ring itself")
	}
}

func TestMemoryJournalRecordDoesNotAllocate(t *testing.T) {
	j := NewMemoryJournal(8)
	e := Event{Kind: EventDecision, Decision: Decision{Code: CodeAllowed, Symbol: "BTCUSDT"}, ClientID: "th-1"}
	if n := testing.AllocsPerRun(100, func() { j.Record(e) }); n != 0 {
		t.Errorf("Record allocates %v times", n)
	}
}

func TestGateAllowPathDoesNotAllocate(t *testing.T) {
	g, v := benchGate(t)
	entry := buyEntry("0.04000000", "50000.00000000", "49000.00000000")
	now := t0
	n := testing.AllocsPerRun(200, func() {
		now++
		v.market.LastTime = now
		if dec := g.Check(&entry, v, now); !dec.Allowed() {
			t.Fatal(dec)
		}
	})
	if n != 0 {
		t.Errorf("an allowed entry allocates %v times", n)
	}
}

func TestEventString(t *testing.T) {
	tests := []struct {
		e    Event
		want []string
	}{
		{Event{Kind: EventDecision, Time: 7, Action: Submit, Effect: Entry, ClientID: "th-1",
			Decision: deny(CodeStopRequired, "BTCUSDT")}, []string{"7 DECISION SUBMIT ENTRY", "id=th-1", "STOP_REQUIRED (BTCUSDT)"}},
		{Event{Kind: EventStateChange, Time: 8, From: Active, To: Halted, Cause: CauseDailyLoss, By: ByRisk},
			[]string{"8 STATE_CHANGE ACTIVE -> HALTED cause=DAILY_LOSS", "by=risk"}},
		{Event{Kind: EventTrip, Time: 9, Cause: CauseManual, By: "alice", Reason: "drill"},
			[]string{"9 KILL_SWITCH_TRIP cause=MANUAL", `by=alice reason="drill"`}},
	}
	for _, tt := range tests {
		got := tt.e.String()
		for _, w := range tt.want {
			if !strings.Contains(got, w) {
				t.Errorf("String() = %q, lacks %q", got, w)
			}
		}
	}
	for k := EventDecision; k <= EventReset; k++ {
		if strings.HasPrefix(k.String(), "EventKind(") {
			t.Errorf("kind %d has no name", k)
		}
	}
}

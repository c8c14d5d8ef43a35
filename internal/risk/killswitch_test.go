package risk

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// openFileSwitch opens the kill-switch kept in path, failing on error.
func openFileSwitch(tb testing.TB, path string) (*KillSwitch, *MemoryJournal) {
	tb.Helper()
	j := NewMemoryJournal(16)
	k, err := OpenKillSwitch(FileStore{Path: path}, j, t0)
	if err != nil {
		tb.Fatal(err)
	}
	return k, j
}

func TestKillSwitchSurvivesRestart(t *testing.T) {
	path := filepath.Join(t.TempDir(), "kill.json")
	k, j := openFileSwitch(t, path)
	if k.Tripped() {
		t.Fatal("a new switch is tripped")
	}
	if err := k.Trip("alice", "exchange outage", t0+1); err != nil {
		t.Fatal(err)
	}
	if !k.Tripped() {
		t.Fatal("not tripped after Trip")
	}
	if e, _ := j.Last(); e.Kind != EventTrip || e.By != "alice" || e.Reason != "exchange outage" || e.Cause != CauseManual {
		t.Errorf("trip event = %+v", e)
	}

	// A restart: the switch is still on, with who and why.
	k2, _ := openFileSwitch(t, path)
	want := KillSwitchState{Tripped: true, By: "alice", Reason: "exchange outage", Cause: CauseManual, At: t0 + 1}
	if got := k2.Status(); got != want || !k2.Tripped() {
		t.Fatalf("after restart: %+v, want %+v", got, want)
	}

	if err := k2.Reset("bob", "", t0+2); err == nil {
		t.Fatal("reset without a reason succeeded")
	}
	if err := k2.Reset("", "fixed", t0+2); err == nil {
		t.Fatal("reset without a name succeeded")
	}
	if !k2.Tripped() {
		t.Fatal("a refused reset switched trading on")
	}
	if err := k2.Reset("bob", "venue back, positions checked", t0+3); err != nil {
		t.Fatal(err)
	}
	if k2.Tripped() {
		t.Fatal("tripped after Reset")
	}
	if err := k2.Reset("bob", "again", t0+4); err == nil {
		t.Error("resetting a switch that is not tripped succeeded")
	}
	k3, _ := openFileSwitch(t, path)
	if k3.Tripped() {
		t.Error("tripped after a reset and a restart")
	}
	entries, err := os.ReadDir(filepath.Dir(path))
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 {
		t.Errorf("directory holds %d entries, want only the state file", len(entries))
	}
}

func TestKillSwitchFailsClosedOnBadFile(t *testing.T) {
	tests := []struct {
		name    string
		content string
	}{
		{"empty", ""},
		{"garbage", "\x00\x01 not json"},
		{"truncated", `{"version":1,"tripped":fal`},
		{"unknown field", `{"version":1,"tripped":false,"by":"","reason":"","cause":"","at":0,"armed":true}`},
		{"other version", `{"version":2,"tripped":false,"by":"","reason":"","cause":"","at":0}`},
		{"tripped by nobody", `{"version":1,"tripped":true,"by":"","reason":"","cause":"","at":0}`},
		{"two objects", `{"version":1,"tripped":false,"by":"","reason":"","cause":"","at":0}{}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "kill.json")
			if err := os.WriteFile(path, []byte(tt.content), 0o600); err != nil {
				t.Fatal(err)
			}
			j := NewMemoryJournal(4)
			k, err := OpenKillSwitch(FileStore{Path: path}, j, t0)
			if err == nil || !strings.Contains(err.Error(), "cannot be read") {
				t.Fatalf("OpenKillSwitch error = %v", err)
			}
			if k == nil || !k.Tripped() || k.Status().Cause != CauseUnreadable {
				t.Fatalf("switch = %+v, want tripped as unreadable", k)
			}
			if e, _ := j.Last(); e.Kind != EventTrip || e.Cause != CauseUnreadable {
				t.Errorf("event = %+v", e)
			}
			// A person's reset writes a good file.
			if err := k.Reset("alice", "file restored", t0+1); err != nil {
				t.Fatal(err)
			}
			if k2, _ := openFileSwitch(t, path); k2.Tripped() {
				t.Error("tripped after the reset")
			}
		})
	}
}

func TestKillSwitchUnreadablePath(t *testing.T) {
	dir := t.TempDir() // a directory where the file should be
	k, err := OpenKillSwitch(FileStore{Path: dir}, Discard{}, t0)
	if err == nil || k == nil || !k.Tripped() {
		t.Fatalf("OpenKillSwitch(dir) = %v, %v; want a tripped switch and an error", k, err)
	}
}

// failStore is a store whose Save fails while fail is set.
type failStore struct {
	mu    sync.Mutex
	fail  bool
	saved []KillSwitchState
}

func (s *failStore) Load() (KillSwitchState, bool, error) { return KillSwitchState{}, false, nil }
func (s *failStore) Save(st KillSwitchState) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.fail {
		return errors.New("disk full")
	}
	s.saved = append(s.saved, st)
	return nil
}

func TestKillSwitchSaveFailures(t *testing.T) {
	st := &failStore{fail: true}
	k, err := OpenKillSwitch(st, Discard{}, t0)
	if err != nil {
		t.Fatal(err)
	}
	if err := k.Trip("alice", "panic", t0); err == nil || !k.Tripped() {
		t.Fatalf("Trip with a failing store: %v, tripped %v; want an error and tripped", err, k.Tripped())
	}
	// Tripping again retries the save.
	st.fail = false
	if err := k.Trip("alice", "again", t0+1); err != nil {
		t.Fatal(err)
	}
	if len(st.saved) != 1 || st.saved[0].Reason != "panic" {
		t.Errorf("saved %+v, want the first trip", st.saved)
	}
	st.fail = true
	if err := k.Reset("bob", "ok", t0+2); err == nil || !k.Tripped() {
		t.Fatalf("Reset with a failing store: %v, tripped %v; want an error and still tripped", err, k.Tripped())
	}
}

func TestKillSwitchTripNeverRefuses(t *testing.T) {
	k, err := OpenKillSwitch(&failStore{}, Discard{}, t0)
	if err != nil {
		t.Fatal(err)
	}
	if err := k.Trip("", "", t0); err != nil || !k.Tripped() || k.Status().By != "unknown" {
		t.Fatalf("Trip with no name: %v, %+v", err, k.Status())
	}
}

func TestKillSwitchConcurrentUse(t *testing.T) {
	k, err := OpenKillSwitch(&failStore{}, NewMemoryJournal(8), t0)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for i := range 4 {
		wg.Go(func() {
			for n := range 200 {
				_ = k.Tripped()
				if n%50 == 0 {
					_ = k.Trip("op", "drill", t0+int64(i))
					_ = k.Reset("op", "drill over", t0+int64(i)+1)
				}
				_ = k.Status()
			}
		})
	}
	wg.Wait()
}

func TestAutoTripRejects(t *testing.T) {
	k, err := OpenKillSwitch(&failStore{}, Discard{}, t0)
	if err != nil {
		t.Fatal(err)
	}
	a, err := NewAutoTrip(Defaults(), k) // 5 rejects in a row
	if err != nil {
		t.Fatal(err)
	}
	for range 4 {
		_ = a.OnReject("insufficient balance", t0)
	}
	a.OnAccept()
	for range 4 {
		_ = a.OnReject("insufficient balance", t0)
	}
	if k.Tripped() {
		t.Fatal("tripped after 4 rejects in a row")
	}
	if err := a.OnReject("insufficient balance", t0); err != nil {
		t.Fatal(err)
	}
	s := k.Status()
	if !s.Tripped || s.Cause != CauseAutoTrip || !strings.Contains(s.Reason, "5 orders rejected in a row") {
		t.Fatalf("after 5 rejects: %+v", s)
	}
}

func TestAutoTripVenueErrors(t *testing.T) {
	tests := []struct {
		name  string
		times []int64 // offsets in ms
		want  bool
	}{
		{"four errors", []int64{0, 1, 2, 3}, false},
		{"five within the window", []int64{0, 1, 2, 3, 59_999}, true},
		{"five spanning exactly the window", []int64{0, 1, 2, 3, 60_000}, false},
		{"errors spread over time", []int64{0, 20_000, 40_000, 60_000, 80_000, 100_000, 120_000}, false},
		{"five after older ones", []int64{0, 100_000, 100_001, 100_002, 100_003, 100_004}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			k, err := OpenKillSwitch(&failStore{}, Discard{}, t0)
			if err != nil {
				t.Fatal(err)
			}
			a, err := NewAutoTrip(Defaults(), k) // 5 within 1 minute
			if err != nil {
				t.Fatal(err)
			}
			for _, off := range tt.times {
				_ = a.OnVenueError("timeout", t0+off)
			}
			if k.Tripped() != tt.want {
				t.Fatalf("tripped = %v, want %v", k.Tripped(), tt.want)
			}
		})
	}
}

func TestKillSwitchStopsTheGate(t *testing.T) {
	j := NewMemoryJournal(16)
	k, err := OpenKillSwitch(FileStore{Path: filepath.Join(t.TempDir(), "kill.json")}, j, t0)
	if err != nil {
		t.Fatal(err)
	}
	m, err := NewMonitor(Defaults(), j)
	if err != nil {
		t.Fatal(err)
	}
	g, err := NewGate(Defaults(), m, k, j)
	if err != nil {
		t.Fatal(err)
	}
	v := baseView(t)
	in := baseEntry
	if dec := g.Check(&in, v, t0); !dec.Allowed() {
		t.Fatal(dec)
	}
	if err := k.Trip("alice", "drill", t0+1); err != nil {
		t.Fatal(err)
	}
	in2 := buyEntry("0.03", "50000", "49000")
	if dec := g.Check(&in2, v, t0+2); dec.Code != CodeKillSwitch {
		t.Fatalf("after a trip: %v", dec)
	}
}

func TestKillSwitchTripsWhenTheFileCannotBeWritten(t *testing.T) {
	path := filepath.Join(t.TempDir(), "missing-dir", "kill.json")
	k, err := OpenKillSwitch(FileStore{Path: path}, Discard{}, t0)
	if err != nil {
		t.Fatal(err)
	}
	if err := k.Trip("alice", "drill", t0); err == nil || !k.Tripped() {
		t.Fatalf("Trip = %v, tripped %v; want an error and tripped", err, k.Tripped())
	}
	if err := k.Reset("alice", "drill over", t0+1); err == nil || !k.Tripped() {
		t.Fatalf("Reset = %v, tripped %v; want an error and still tripped", err, k.Tripped())
	}
}

func TestNewAutoTripRefusesBadInput(t *testing.T) {
	k, err := OpenKillSwitch(&failStore{}, Discard{}, t0)
	if err != nil {
		t.Fatal(err)
	}
	bad := Defaults()
	bad.KillSwitchRejects = 0
	if _, err := NewAutoTrip(bad, k); err == nil {
		t.Error("accepted kill_switch_rejects = 0")
	}
	if _, err := NewAutoTrip(Defaults(), nil); err == nil {
		t.Error("accepted a nil kill-switch")
	}
	if _, err := OpenKillSwitch(nil, Discard{}, t0); err == nil {
		t.Error("accepted a nil store")
	}
}

// A trip or reset made by another process on the same store reaches a
// running switch through Refresh; a trip that could not be saved is never
// undone by it.
func TestKillSwitchRefreshSeesAnotherProcess(t *testing.T) {
	path := filepath.Join(t.TempDir(), "kill.json")
	running, j := openFileSwitch(t, path)
	if err := running.Refresh(t0); err != nil || running.Tripped() {
		t.Fatalf("refresh with nothing stored: %v, tripped %v", err, running.Tripped())
	}
	cli, _ := openFileSwitch(t, path)
	if err := cli.Trip("carol", "exchange incident", t0+1); err != nil {
		t.Fatal(err)
	}
	if running.Tripped() {
		t.Fatal("tripped before a refresh")
	}
	if err := running.Refresh(t0 + 2); err != nil || !running.Tripped() {
		t.Fatalf("after refresh: %v, tripped %v", err, running.Tripped())
	}
	if e, _ := j.Last(); e.Kind != EventTrip || e.By != "carol" || e.Reason != "exchange incident" {
		t.Fatalf("journal %+v", e)
	}
	if err := cli.Reset("dave", "incident over", t0+3); err != nil {
		t.Fatal(err)
	}
	if err := running.Refresh(t0 + 4); err != nil || running.Tripped() {
		t.Fatalf("after a stored reset: %v, tripped %v", err, running.Tripped())
	}

	// A trip whose save failed stays tripped whatever the store says.
	if err := os.WriteFile(path, []byte("{garbage"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := running.Refresh(t0 + 5); err == nil || running.Tripped() {
		t.Fatalf("refresh of a broken file: %v, tripped %v", err, running.Tripped())
	}
	ms := &failingStore{}
	k, err := OpenKillSwitch(ms, NewMemoryJournal(4), t0)
	if err != nil {
		t.Fatal(err)
	}
	ms.fail = true
	if err := k.Trip("erin", "panic", t0+6); err == nil {
		t.Fatal("a failing save was not reported")
	}
	ms.fail = false
	if err := k.Refresh(t0 + 7); err != nil || !k.Tripped() {
		t.Fatalf("an unsaved trip was undone by a refresh: %v", err)
	}
}

// failingStore stores a not-tripped state and fails saves on demand.
type failingStore struct{ fail bool }

func (f *failingStore) Load() (KillSwitchState, bool, error) {
	return KillSwitchState{Tripped: false, By: "x", Reason: "y", At: t0 + 100}, true, nil
}

func (f *failingStore) Save(KillSwitchState) error {
	if f.fail {
		return errors.New("disk full")
	}
	return nil
}

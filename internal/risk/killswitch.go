package risk

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
)

// CauseUnreadable is the Cause of a kill-switch that is on because its
// stored state could not be read.
const CauseUnreadable = "UNREADABLE_STATE"

// KillSwitchState is the kill-switch as stored and reported.
type KillSwitchState struct {
	// Tripped is true while trading is switched off.
	Tripped bool `json:"tripped"`
	// By is who made the last change.
	By string `json:"by"`
	// Reason is why, in their words.
	Reason string `json:"reason"`
	// Cause is MANUAL, AUTO_TRIP or UNREADABLE_STATE.
	Cause string `json:"cause"`
	// At is when the last change happened, in Unix milliseconds.
	At int64 `json:"at"`
}

// KillSwitchStore keeps the kill-switch's state across restarts.
type KillSwitchStore interface {
	// Load returns the stored state, found false when nothing was ever
	// stored, or an error when what is stored cannot be read or trusted.
	Load() (s KillSwitchState, found bool, err error)
	// Save stores s durably before it returns nil.
	Save(s KillSwitchState) error
}

// FileStore is a KillSwitchStore in one JSON file. Save writes a temporary
// file in the same directory, syncs it, renames it over the file and syncs
// the directory, so the file always holds either the old state or the new
// one, whole.
type FileStore struct {
	// Path is the file's path; its directory must exist.
	Path string
}

// MemoryStore is a KillSwitchStore that keeps the state in memory, for
// backtests, whose kill-switch lives as long as the run. It is safe for
// concurrent use.
type MemoryStore struct {
	mu    sync.Mutex
	state KillSwitchState
	found bool
}

// Load implements KillSwitchStore.
func (m *MemoryStore) Load() (KillSwitchState, bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.state, m.found, nil
}

// Save implements KillSwitchStore.
func (m *MemoryStore) Save(s KillSwitchState) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.state, m.found = s, true
	return nil
}

// fileFormat is the file's layout; Version lets a later layout be told apart.
type fileFormat struct {
	Version int `json:"version"`
	KillSwitchState
}

const fileVersion = 1

// Load implements KillSwitchStore. A missing file is "never stored"; an
// unreadable file, invalid JSON, unknown fields, another version, or a
// tripped state without who tripped it are errors.
func (f FileStore) Load() (KillSwitchState, bool, error) {
	raw, err := os.ReadFile(f.Path)
	if errors.Is(err, fs.ErrNotExist) {
		return KillSwitchState{}, false, nil
	}
	if err != nil {
		return KillSwitchState{}, false, fmt.Errorf("kill-switch file %s: %w", f.Path, err)
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	var ff fileFormat
	if err := dec.Decode(&ff); err != nil {
		return KillSwitchState{}, false, fmt.Errorf("kill-switch file %s is corrupt: %w", f.Path, err)
	}
	if dec.More() {
		return KillSwitchState{}, false, fmt.Errorf("kill-switch file %s is corrupt: data after the JSON object", f.Path)
	}
	switch {
	case ff.Version != fileVersion:
		return KillSwitchState{}, false, fmt.Errorf("kill-switch file %s has version %d, want %d", f.Path, ff.Version, fileVersion)
	case ff.Tripped && ff.By == "":
		return KillSwitchState{}, false, fmt.Errorf("kill-switch file %s is corrupt: tripped by nobody", f.Path)
	}
	return ff.KillSwitchState, true, nil
}

// Save implements KillSwitchStore.
func (f FileStore) Save(s KillSwitchState) (err error) {
	raw, err := json.MarshalIndent(fileFormat{Version: fileVersion, KillSwitchState: s}, "", "  ")
	if err != nil {
		return fmt.Errorf("save kill-switch: %w", err)
	}
	raw = append(raw, '\n')
	dir := filepath.Dir(f.Path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(f.Path)+".*.tmp")
	if err != nil {
		return fmt.Errorf("save kill-switch: %w", err)
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if _, err = tmp.Write(raw); err != nil {
		return fmt.Errorf("save kill-switch: %w", err)
	}
	if err = tmp.Sync(); err != nil {
		return fmt.Errorf("save kill-switch: %w", err)
	}
	if err = tmp.Close(); err != nil {
		return fmt.Errorf("save kill-switch: %w", err)
	}
	if err = os.Rename(tmp.Name(), f.Path); err != nil {
		return fmt.Errorf("save kill-switch: %w", err)
	}
	// The rename is durable once the directory is synced.
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("save kill-switch: %w", err)
	}
	defer d.Close()
	if err = d.Sync(); err != nil {
		return fmt.Errorf("save kill-switch: sync %s: %w", dir, err)
	}
	return nil
}

// KillSwitch switches all trading off until a person switches it back on.
// It survives restarts through its store: a switch opened on the same store
// after a trip is still tripped. It fails closed: when the stored state
// cannot be read, it is tripped.
//
// Trip never refuses: it switches off in memory at once, even when saving
// fails (it then reports the error). Reset needs a person and a reason and
// switches on only after the new state is saved.
//
// A KillSwitch is safe for concurrent use; Tripped is a single atomic load.
type KillSwitch struct {
	tripped atomic.Bool

	mu      sync.Mutex
	state   KillSwitchState
	unsaved bool // the state in memory is not the one stored
	store   KillSwitchStore
	journal Journal
}

// OpenKillSwitch returns the kill-switch kept in store, recording changes in
// j. Nothing stored means not tripped. When the store cannot be read, it
// returns a tripped switch (cause UNREADABLE_STATE, recorded as a trip at
// now) together with an error saying why: trading stays off until a person
// resets it, which overwrites the bad state. It returns a nil switch only
// when store or j is nil.
func OpenKillSwitch(store KillSwitchStore, j Journal, now int64) (*KillSwitch, error) {
	if store == nil || j == nil {
		return nil, errors.New("kill-switch: store and journal are required")
	}
	k := &KillSwitch{store: store, journal: j}
	s, found, err := store.Load()
	if err != nil {
		k.state = KillSwitchState{Tripped: true, By: ByRisk, Reason: err.Error(), Cause: CauseUnreadable, At: now}
		k.unsaved = true
		k.tripped.Store(true)
		j.Record(Event{Kind: EventTrip, Time: now, Cause: CauseUnreadable, By: ByRisk, Reason: err.Error()})
		return k, fmt.Errorf("kill-switch is tripped because its state cannot be read: %w", err)
	}
	if found {
		k.state = s
		k.tripped.Store(s.Tripped)
	}
	return k, nil
}

// Tripped implements Switch.
func (k *KillSwitch) Tripped() bool { return k.tripped.Load() }

// Status returns the switch's state.
func (k *KillSwitch) Status() KillSwitchState {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.state
}

// Trip switches trading off at now (Unix ms) on a person's command; by names
// them and reason says why (both may be empty in an emergency: the trip
// happens anyway). Tripping a tripped switch keeps the first trip's record,
// records the new attempt and retries a save that failed before. The error is
// a failure to save: the switch is off in memory regardless, but may not be
// after a restart.
func (k *KillSwitch) Trip(by, reason string, now int64) error {
	return k.trip(by, reason, CauseManual, now)
}

func (k *KillSwitch) trip(by, reason, cause string, now int64) error {
	if by == "" {
		by = "unknown"
	}
	k.tripped.Store(true)
	k.mu.Lock()
	defer k.mu.Unlock()
	k.journal.Record(Event{Kind: EventTrip, Time: now, Cause: cause, By: by, Reason: reason})
	if !k.state.Tripped || k.state.Cause == CauseUnreadable {
		k.state = KillSwitchState{Tripped: true, By: by, Reason: reason, Cause: cause, At: now}
		k.unsaved = true
	}
	if !k.unsaved {
		return nil
	}
	if err := k.store.Save(k.state); err != nil {
		return fmt.Errorf("kill-switch tripped, but not saved: %w", err)
	}
	k.unsaved = false
	return nil
}

// Reset switches trading back on at now (Unix ms). by and reason are
// required. The new state is saved first; if saving fails the switch stays
// tripped and the error says so. Resetting a switch that is not tripped is
// an error.
func (k *KillSwitch) Reset(by, reason string, now int64) error {
	if err := needPerson("reset kill-switch", by, reason); err != nil {
		return err
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	if !k.state.Tripped {
		return errors.New("reset kill-switch: it is not tripped")
	}
	next := KillSwitchState{Tripped: false, By: by, Reason: reason, Cause: CauseManual, At: now}
	if err := k.store.Save(next); err != nil {
		return fmt.Errorf("reset kill-switch: still tripped: %w", err)
	}
	k.state, k.unsaved = next, false
	k.tripped.Store(false)
	k.journal.Record(Event{Kind: EventReset, Time: now, Cause: CauseManual, By: by, Reason: reason})
	return nil
}

// Refresh reads the stored state again, so that a trip or a reset made by
// another process (the `thunes kill` command on the same store) takes effect
// here. A stored trip is adopted at once; a stored reset is adopted only
// when this switch's own state was saved, so a trip that could not be saved
// is never undone by an older stored state. A store that cannot be read
// leaves the switch as it is and returns the error.
func (k *KillSwitch) Refresh(now int64) error {
	s, found, err := k.store.Load()
	if err != nil {
		return fmt.Errorf("kill-switch refresh: %w", err)
	}
	if !found {
		return nil
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	switch {
	case s.Tripped && !k.state.Tripped:
		k.state, k.unsaved = s, false
		k.tripped.Store(true)
		k.journal.Record(Event{Kind: EventTrip, Time: now, Cause: s.Cause, By: s.By, Reason: s.Reason})
	case !s.Tripped && k.state.Tripped && !k.unsaved && s.At >= k.state.At:
		k.state = s
		k.tripped.Store(false)
		k.journal.Record(Event{Kind: EventReset, Time: now, Cause: s.Cause, By: s.By, Reason: s.Reason})
	}
	return nil
}

// AutoTrip trips a kill-switch on its own when the venue keeps failing:
// after Config.KillSwitchRejects rejected orders in a row, or
// Config.KillSwitchVenueErrors venue errors (timeouts, 5xx, lost
// connections) within Config.KillSwitchErrorWindow. It is not safe for
// concurrent use: the engine's goroutine feeds it.
type AutoTrip struct {
	kill       *KillSwitch
	maxRejects int
	rejects    int
	// errs holds the times of the last KillSwitchVenueErrors errors.
	errs    []int64
	errNext int
	errLen  int
	window  int64
}

// NewAutoTrip returns the automatic rules of cfg for kill. It returns cfg's
// validation errors, or an error when kill is nil.
func NewAutoTrip(cfg Config, kill *KillSwitch) (*AutoTrip, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if kill == nil {
		return nil, errors.New("auto-trip: no kill-switch")
	}
	return &AutoTrip{kill: kill, maxRejects: cfg.KillSwitchRejects,
		errs: make([]int64, cfg.KillSwitchVenueErrors), window: cfg.KillSwitchErrorWindow.Milliseconds()}, nil
}

// OnReject counts an order the venue rejected at now; detail is the venue's
// message. It trips the switch when the streak reaches the limit and returns
// Trip's error.
func (a *AutoTrip) OnReject(detail string, now int64) error {
	a.rejects++
	if a.rejects < a.maxRejects {
		return nil
	}
	n := a.rejects
	a.rejects = 0
	return a.kill.trip(ByRisk, fmt.Sprintf("%d orders rejected in a row, the last: %s", n, detail), CauseAutoTrip, now)
}

// OnAccept ends the streak of rejections: the venue accepted an order.
func (a *AutoTrip) OnAccept() { a.rejects = 0 }

// OnVenueError counts a venue error at now; detail describes it. It trips
// the switch when the limit is reached within the window and returns Trip's
// error. An error exactly a window after the oldest counted one no longer
// counts with it.
func (a *AutoTrip) OnVenueError(detail string, now int64) error {
	a.errs[a.errNext] = now
	a.errNext = (a.errNext + 1) % len(a.errs)
	a.errLen = min(a.errLen+1, len(a.errs))
	oldest := a.errs[a.errNext%len(a.errs)]
	if a.errLen < len(a.errs) || now-oldest >= a.window {
		return nil
	}
	a.errLen = 0
	return a.kill.trip(ByRisk, fmt.Sprintf("%d venue errors within %d ms, the last: %s", len(a.errs), a.window, detail),
		CauseAutoTrip, now)
}

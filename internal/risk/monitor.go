package risk

import (
	"errors"
	"fmt"
	"time"

	"github.com/thunes/thunes/internal/num"
)

// Causes of state changes, cool-downs and kill-switch changes, as they
// appear in Event.Cause and KillSwitchState.Cause.
const (
	// CauseDailyLoss: the daily loss limit was reached.
	CauseDailyLoss = "DAILY_LOSS"
	// CauseMaxDrawdown: the drawdown limit was reached.
	CauseMaxDrawdown = "MAX_DRAWDOWN"
	// CauseConsecutiveLosses: the losing streak started or ended a cool-down.
	CauseConsecutiveLosses = "CONSECUTIVE_LOSSES"
	// CauseNewDay: a new day lifted a daily-loss halt.
	CauseNewDay = "NEW_DAY"
	// CauseManualHalt: a person halted trading.
	CauseManualHalt = "MANUAL_HALT"
	// CauseManualReduce: a person made trading reduce-only.
	CauseManualReduce = "MANUAL_REDUCE"
	// CauseResume: a person resumed trading.
	CauseResume = "RESUME"
	// CauseRestore: the monitor's state was restored after a restart.
	CauseRestore = "RESTORE"
	// CauseAutoTrip: AutoTrip tripped the kill-switch.
	CauseAutoTrip = "AUTO_TRIP"
	// CauseManual: a person tripped or reset the kill-switch.
	CauseManual = "MANUAL"
)

// ByRisk is the Event.By of changes the risk engine makes on its own.
const ByRisk = "risk"

// ErrDailyHalt is wrapped by Resume's error when a daily-loss halt is still
// running: only the next day lifts it.
var ErrDailyHalt = errors.New("the daily loss limit halts trading until the day ends")

// Monitor watches equity and closed trades and owns the trading state:
//
//   - daily loss: once equity has fallen by Config.DailyLossPct from the
//     day's starting equity, HALTED until the calendar day (in
//     Config.DailyTimeZone) ends;
//   - drawdown: once equity has fallen by Config.MaxDrawdownPct from its
//     peak, HALTED until a person calls Resume;
//   - consecutive losses: after Config.MaxConsecutiveLosses losing trades in
//     a row, a cool-down of Config.CoolDown during which entries are denied;
//   - a person may Halt, Reduce (only reducing orders) and Resume.
//
// A limit trips when it is reached: a loss of exactly 3% with a 3% limit
// halts. The day's starting equity is the last equity seen before the day
// began, or the day's first when there was none.
//
// The state is HALTED while any halt cause holds, else REDUCING while a
// person asked for it, else ACTIVE. Every change of a cause is recorded as an
// EventStateChange (From may equal To when a second cause joins or leaves a
// halt), and every cool-down as EventCoolDownStart and EventCoolDownEnd.
//
// A Monitor is not safe for concurrent use: the engine's goroutine feeds it
// and the gate reads it. It does not allocate after NewMonitor. It keeps its
// state in memory; Snapshot and Restore carry it across restarts.
type Monitor struct {
	loc        *time.Location
	dailyKeep  num.Decimal // 1 − daily loss fraction
	ddKeep     num.Decimal // 1 − drawdown fraction
	maxLosses  int
	coolDownMs int64
	unit8      num.Decimal
	journal    Journal

	// Equity tracking.
	hasLast    bool
	last       num.Decimal
	dayEnd     int64 // when the current day ends (Unix ms); 0 before the first
	hasDayBase bool
	dayBase    num.Decimal // the day's starting equity
	dayFloor   num.Decimal // equity at or below which the daily limit trips
	hasPeak    bool
	peak       num.Decimal
	ddFloor    num.Decimal // equity at or below which the drawdown limit trips

	// Causes.
	dailyHaltUntil int64 // Unix ms; 0 when no daily halt
	drawdownHalt   bool
	manualHalt     bool
	reducing       bool
	state          State

	losses        int
	coolDownUntil int64 // Unix ms; 0 when none
}

// NewMonitor returns a monitor for cfg in state ACTIVE, recording in j. It
// returns cfg's validation errors, or an error when j is nil.
func NewMonitor(cfg Config, j Journal) (*Monitor, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if j == nil {
		return nil, errors.New("risk monitor: no journal")
	}
	loc, err := time.LoadLocation(cfg.DailyTimeZone)
	if err != nil {
		return nil, fmt.Errorf("risk monitor: %w", err)
	}
	keep := func(pct num.Decimal) num.Decimal {
		k, err := num.One.Sub(pctToFraction(pct))
		if err != nil {
			panic(err) // a fraction of at most 1 with 6 decimals
		}
		return k
	}
	return &Monitor{
		loc:        loc,
		dailyKeep:  keep(cfg.DailyLossPct),
		ddKeep:     keep(cfg.MaxDrawdownPct),
		maxLosses:  cfg.MaxConsecutiveLosses,
		coolDownMs: cfg.CoolDown.Milliseconds(),
		unit8:      num.MustNew(1, 8),
		journal:    j,
		state:      Active,
	}, nil
}

// Status implements StateSource: it applies what time alone changes (the end
// of a day lifting a daily halt, the end of a cool-down), then returns the
// state at now (Unix ms).
func (m *Monitor) Status(now int64) Status {
	m.advance(now)
	st := Status{State: m.state}
	if now < m.coolDownUntil {
		st.CoolDownUntil = m.coolDownUntil
	}
	return st
}

// State returns the current state without advancing the clock.
func (m *Monitor) State() State { return m.state }

// OnEquity takes the account's equity at now (Unix ms); call it after every
// fill and every mark. It may halt trading for the day or until a person
// resumes it. An equity that is not a valid decimal of at most 19 digits
// cannot reach it; a non-positive equity trips both limits.
func (m *Monitor) OnEquity(equity num.Decimal, now int64) {
	m.advance(now)
	if !m.hasDayBase {
		m.setDayBase(equity)
	}
	if !m.hasPeak || m.peak.Less(equity) {
		m.setPeak(equity)
	}
	m.hasLast, m.last = true, equity
	if m.dailyHaltUntil == 0 && !m.dayFloor.Less(equity) {
		m.dailyHaltUntil = m.dayEnd
		m.change(now, CauseDailyLoss, ByRisk, "", m.dayEnd)
	}
	if !m.drawdownHalt && !m.ddFloor.Less(equity) {
		m.drawdownHalt = true
		m.change(now, CauseMaxDrawdown, ByRisk, "", 0)
	}
}

// Thresholds returns the equity at or below which a limit that has not
// tripped yet would trip (the higher of the day's floor and the drawdown
// floor, leaving out a limit already tripped; zero when both are) and the
// peak, above which OnEquity must see the equity to raise the drawdown
// floor. An equity strictly between the two, reported in the same day,
// changes nothing but the last equity seen, so a caller may skip OnEquity
// for it as long as it reports the last equity of each day before the day
// ends. ok is false until OnEquity has seen an equity.
func (m *Monitor) Thresholds() (floor, peak num.Decimal, ok bool) {
	if !m.hasPeak || !m.hasDayBase {
		return num.Zero, num.Zero, false
	}
	floor = num.Zero
	if m.dailyHaltUntil == 0 {
		floor = m.dayFloor
	}
	if !m.drawdownHalt {
		floor = num.Max(floor, m.ddFloor)
	}
	return floor, m.peak, true
}

// OnTradeClosed takes the realized PnL of a closed trade (net of fees) at
// now. A loss (pnl < 0) extends the losing streak; anything else ends it.
// When the streak reaches Config.MaxConsecutiveLosses a cool-down starts and
// the streak starts again from zero.
func (m *Monitor) OnTradeClosed(pnl num.Decimal, now int64) {
	m.advance(now)
	if !pnl.IsNeg() {
		m.losses = 0
		return
	}
	m.losses++
	if m.losses < m.maxLosses {
		return
	}
	m.losses = 0
	m.coolDownUntil = now + m.coolDownMs
	m.journal.Record(Event{Kind: EventCoolDownStart, Time: now, From: m.state, To: m.state,
		Until: m.coolDownUntil, Cause: CauseConsecutiveLosses, By: ByRisk})
}

// Losses returns the current streak of losing trades.
func (m *Monitor) Losses() int { return m.losses }

// Halt stops all trading until Resume, on a person's command. by and reason
// are required; halting when a person already halted is an error and changes
// nothing.
func (m *Monitor) Halt(by, reason string, now int64) error {
	if err := needPerson("halt", by, reason); err != nil {
		return err
	}
	m.advance(now)
	if m.manualHalt {
		return errors.New("halt: trading is already halted by a person")
	}
	m.manualHalt = true
	m.change(now, CauseManualHalt, by, reason, 0)
	return nil
}

// Reduce allows only orders that reduce positions until Resume, on a
// person's command. by and reason are required; asking twice is an error.
func (m *Monitor) Reduce(by, reason string, now int64) error {
	if err := needPerson("reduce", by, reason); err != nil {
		return err
	}
	m.advance(now)
	if m.reducing {
		return errors.New("reduce: trading is already reduce-only")
	}
	m.reducing = true
	m.change(now, CauseManualReduce, by, reason, 0)
	return nil
}

// Resume lifts what a person may lift: their own halt, their reduce-only
// order and a drawdown halt (the peak then restarts from the last equity, so
// the same drawdown does not halt again at once). by and reason are
// required. A daily-loss halt is not lifted: it ends with the day, and Resume
// then returns an error wrapping ErrDailyHalt after lifting the rest.
// Resuming with nothing to lift is an error and changes nothing. A cool-down
// is not lifted either; it ends on its own.
func (m *Monitor) Resume(by, reason string, now int64) error {
	if err := needPerson("resume", by, reason); err != nil {
		return err
	}
	m.advance(now)
	if !m.manualHalt && !m.reducing && !m.drawdownHalt {
		if m.dailyHaltUntil != 0 {
			return fmt.Errorf("resume: nothing a person may lift; %w at %s", ErrDailyHalt, m.formatTime(m.dailyHaltUntil))
		}
		return errors.New("resume: trading is not halted or reduced")
	}
	if m.drawdownHalt && m.hasLast {
		m.setPeak(m.last)
	}
	m.manualHalt, m.reducing, m.drawdownHalt = false, false, false
	m.change(now, CauseResume, by, reason, 0)
	if m.dailyHaltUntil != 0 {
		return fmt.Errorf("resume: %w at %s", ErrDailyHalt, m.formatTime(m.dailyHaltUntil))
	}
	return nil
}

// needPerson checks the who and why every command needs.
func needPerson(op, by, reason string) error {
	switch {
	case by == "":
		return fmt.Errorf("%s: who is acting is required", op)
	case reason == "":
		return fmt.Errorf("%s: a reason is required", op)
	}
	return nil
}

// advance applies the changes time alone causes.
func (m *Monitor) advance(now int64) {
	if m.dayEnd != 0 && now >= m.dayEnd {
		m.newDay(now)
	}
	if m.dayEnd == 0 {
		m.dayEnd = m.endOfDay(now)
	}
	if m.coolDownUntil != 0 && now >= m.coolDownUntil {
		until := m.coolDownUntil
		m.coolDownUntil = 0
		m.journal.Record(Event{Kind: EventCoolDownEnd, Time: now, From: m.state, To: m.state,
			Until: until, Cause: CauseConsecutiveLosses, By: ByRisk})
	}
}

// newDay starts the day holding now: the last equity seen becomes its
// starting equity, and a daily halt ends.
func (m *Monitor) newDay(now int64) {
	m.dayEnd = m.endOfDay(now)
	m.hasDayBase = false
	if m.hasLast {
		m.setDayBase(m.last)
	}
	if m.dailyHaltUntil != 0 && now >= m.dailyHaltUntil {
		m.dailyHaltUntil = 0
		m.change(now, CauseNewDay, ByRisk, "", 0)
	}
}

// endOfDay returns the start of the calendar day after the one holding t,
// in the configured zone (a day may last 23 or 25 hours there).
func (m *Monitor) endOfDay(t int64) int64 {
	tm := time.UnixMilli(t).In(m.loc)
	y, mo, d := tm.Date()
	return time.Date(y, mo, d+1, 0, 0, 0, 0, m.loc).UnixMilli()
}

func (m *Monitor) formatTime(ms int64) string {
	return time.UnixMilli(ms).In(m.loc).Format(time.RFC3339)
}

// setDayBase makes equity the day's starting equity.
func (m *Monitor) setDayBase(equity num.Decimal) {
	m.hasDayBase, m.dayBase = true, equity
	m.dayFloor = m.floor(equity, m.dailyKeep)
}

// setPeak makes equity the peak.
func (m *Monitor) setPeak(equity num.Decimal) {
	m.hasPeak, m.peak = true, equity
	m.ddFloor = m.floor(equity, m.ddKeep)
}

// floor returns base × keep, the equity at which a limit trips. A base with
// more than 8 decimals is first rounded up to 8, which can only raise the
// floor (trip sooner) by less than 10^-8.
func (m *Monitor) floor(base, keep num.Decimal) num.Decimal {
	if base.Scale() > 8 {
		if b, err := base.RoundUp(m.unit8); err == nil {
			base = b
		}
	}
	f, err := base.Mul(keep)
	if err != nil {
		// Beyond any real equity: trip at once rather than never.
		return base
	}
	return f
}

// derived is the state the causes add up to.
func (m *Monitor) derived() State {
	switch {
	case m.dailyHaltUntil != 0 || m.drawdownHalt || m.manualHalt:
		return Halted
	case m.reducing:
		return Reducing
	}
	return Active
}

// change records a change of causes and moves to the state they add up to.
func (m *Monitor) change(now int64, cause, by, reason string, until int64) {
	from := m.state
	m.state = m.derived()
	m.journal.Record(Event{Kind: EventStateChange, Time: now, From: from, To: m.state, Until: until,
		Cause: cause, By: by, Reason: reason})
}

// MonitorState is what a Monitor must remember across a restart, in a form
// a store can keep as JSON. Times are Unix milliseconds; zero means none.
type MonitorState struct {
	// LastEquity is the last equity seen ("" in JSON when none).
	LastEquity *num.Decimal `json:"last_equity,omitempty"`
	// DayEnd is when the day whose DayEquity is kept ends.
	DayEnd int64 `json:"day_end"`
	// DayEquity is that day's starting equity.
	DayEquity *num.Decimal `json:"day_equity,omitempty"`
	// Peak is the equity peak the drawdown is measured from.
	Peak *num.Decimal `json:"peak,omitempty"`

	// DailyHaltUntil is when a running daily-loss halt ends.
	DailyHaltUntil int64 `json:"daily_halt_until"`
	// DrawdownHalt is true while a drawdown halt waits for a person.
	DrawdownHalt bool `json:"drawdown_halt"`
	// ManualHalt is true while a person's halt holds.
	ManualHalt bool `json:"manual_halt"`
	// Reducing is true while a person's reduce-only order holds.
	Reducing bool `json:"reducing"`
	// Losses is the current streak of losing trades.
	Losses int `json:"losses"`
	// CoolDownUntil is when a running cool-down ends.
	CoolDownUntil int64 `json:"cool_down_until"`
}

// Snapshot returns the monitor's state for a store.
func (m *Monitor) Snapshot() MonitorState {
	s := MonitorState{DayEnd: m.dayEnd, DailyHaltUntil: m.dailyHaltUntil, DrawdownHalt: m.drawdownHalt,
		ManualHalt: m.manualHalt, Reducing: m.reducing, Losses: m.losses, CoolDownUntil: m.coolDownUntil}
	if m.hasLast {
		v := m.last
		s.LastEquity = &v
	}
	if m.hasDayBase {
		v := m.dayBase
		s.DayEquity = &v
	}
	if m.hasPeak {
		v := m.peak
		s.Peak = &v
	}
	return s
}

// Restore replaces the monitor's state with s, as saved by Snapshot, at now,
// and records the resulting state as an EventStateChange (cause RESTORE).
// Time then advances to now: a day or cool-down that ended meanwhile ends. It
// refuses a negative streak or time and changes nothing then.
func (m *Monitor) Restore(s MonitorState, now int64) error {
	if s.Losses < 0 || s.DayEnd < 0 || s.DailyHaltUntil < 0 || s.CoolDownUntil < 0 {
		return fmt.Errorf("restore monitor: negative value in %+v", s)
	}
	from := m.state
	*m = Monitor{loc: m.loc, dailyKeep: m.dailyKeep, ddKeep: m.ddKeep, maxLosses: m.maxLosses,
		coolDownMs: m.coolDownMs, unit8: m.unit8, journal: m.journal, state: from}
	m.dayEnd = s.DayEnd
	if s.LastEquity != nil {
		m.hasLast, m.last = true, *s.LastEquity
	}
	if s.DayEquity != nil {
		m.setDayBase(*s.DayEquity)
	}
	if s.Peak != nil {
		m.setPeak(*s.Peak)
	}
	m.dailyHaltUntil, m.drawdownHalt, m.manualHalt, m.reducing = s.DailyHaltUntil, s.DrawdownHalt, s.ManualHalt, s.Reducing
	m.losses, m.coolDownUntil = s.Losses, s.CoolDownUntil
	m.change(now, CauseRestore, ByRisk, "", m.dailyHaltUntil)
	m.advance(now)
	return nil
}

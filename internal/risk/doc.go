// Package risk decides whether an order may reach a venue and watches the
// account for the limits that stop trading.
//
// It has five parts:
//
//   - Config holds every limit with its defaults and hard caps; Validate
//     lists every problem at once.
//   - Gate is the pre-trade check every submit and modify passes (cancels
//     never do). It fails closed and answers with a Decision: CodeAllowed or
//     the reason code of the first rule that denies, with the values it
//     compared, formatted only when read ("MAX_RISK_PER_TRADE: risk=1.8%
//     max=1% amount=180 limit=100 (BTCUSDT)"). An allowed check does not
//     allocate.
//   - Monitor follows equity and closed trades and owns the trading state:
//     ACTIVE, REDUCING (only reducing orders) or HALTED (no orders), plus a
//     cool-down after consecutive losses during which entries are denied.
//   - KillSwitch is the off switch a person or AutoTrip trips; it is
//     persisted (FileStore) and stays on across restarts until a person
//     resets it with a reason.
//   - Journal receives every decision, state change, cool-down, trip and
//     reset as an Event; MemoryJournal keeps the latest in a ring.
//
// The package reads no clock: everything that depends on time takes it as
// Unix milliseconds, so a backtest runs it on its virtual clock.
//
// # Wiring
//
// The engine builds one journal, opens the kill-switch, and builds the
// monitor and the gate on them:
//
//	j := risk.NewMemoryJournal(4096)           // or the durable journal
//	kill, err := risk.OpenKillSwitch(risk.FileStore{Path: p}, j, now)
//	mon, err := risk.NewMonitor(cfg, j)
//	gate, err := risk.NewGate(cfg, mon, kill, j)
//	auto, err := risk.NewAutoTrip(cfg, kill)
//
// An error from OpenKillSwitch with a non-nil switch means the stored state
// was unreadable: the switch is tripped and trading stays off until a person
// resets it. The engine then:
//
//   - implements View (equity, instruments, market state, positions with
//     working entry quantities, open stop risk via StopRisk) on its own
//     state, without allocating;
//   - calls gate.OnPrice with every trade price or bar close, stamped with
//     the time the price was true (a bar's close time);
//   - builds an Intent for every submit and modify (EffectOf tells an entry
//     from a reduce; an entry carries its protective stop), calls gate.Check
//     and sends only what is allowed, journaling the decision first;
//   - calls mon.OnEquity after every fill and mark and mon.OnTradeClosed when
//     a round trip closes, and persists mon.Snapshot with its state;
//   - feeds auto with venue rejections, acceptances and errors.
package risk

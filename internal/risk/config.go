package risk

import (
	"errors"
	"fmt"
	"time"

	"github.com/thunes/thunes/internal/num"
)

// Hard caps no configuration may exceed.
const (
	// HardMaxRiskPerTradePct caps RiskPerTradePct, in percent of equity.
	HardMaxRiskPerTradePct = 2
	// HardMaxOpenRiskPct caps OpenRiskPct, in percent of equity.
	HardMaxOpenRiskPct = 10
	// HardMaxLeverage caps MaxLeverage.
	HardMaxLeverage = 10
)

// Bounds Validate enforces so that the gate's rings and tables stay small.
const (
	// MaxPctScale is the most decimals a percentage may carry; it keeps every
	// product of a limit and an amount within the decimal type's 19 digits.
	MaxPctScale = 4
	// MaxOrderRate bounds OrderRateMax, the size of the rate ring.
	MaxOrderRate = 10000
	// MaxDuplicateRing bounds how many recent orders the duplicate guard
	// keeps: OrderRateMax × ⌈DuplicateWindow ÷ OrderRateWindow⌉.
	MaxDuplicateRing = 100000
	// MinCorrelationLookback is the smallest CorrelationLookback.
	MinCorrelationLookback = 3
	// MaxCorrelationLookback is the largest CorrelationLookback.
	MaxCorrelationLookback = 1000
)

// Config holds every risk limit. Percentages are of equity unless a field
// says otherwise and are written as decimal strings in TOML ("1" is 1%, "0.5"
// half a percent). Durations are Go durations ("120s", "1h"). Get one from
// Defaults and change what differs; the zero Config is invalid (it has no
// daily loss limit).
type Config struct {
	// StopMinPct is the least distance between an entry's price and its
	// protective stop, in percent of the entry price; a distance exactly at
	// it is allowed. Default 2.
	StopMinPct num.Decimal `toml:"stop_min_pct"`
	// StopMaxPct is the greatest such distance; exactly at it is allowed.
	// Default 5.
	StopMaxPct num.Decimal `toml:"stop_max_pct"`

	// RiskPerTradePct caps what one entry may lose if its stop is hit:
	// |entry − stop| × quantity ≤ RiskPerTradePct × equity. Default 1, at most
	// HardMaxRiskPerTradePct (2).
	RiskPerTradePct num.Decimal `toml:"risk_per_trade_pct"`
	// OpenRiskPct caps the sum of that loss over every open position and
	// working entry plus the new one. Default 6, at most HardMaxOpenRiskPct
	// (10).
	OpenRiskPct num.Decimal `toml:"open_risk_pct"`

	// MaxPositionPct caps one symbol's position value (held plus working plus
	// the new order) in percent of equity. Default 25: with a 1% risk and a
	// stop 4% away a position is worth 25% of equity, so the cap binds only
	// on stops closer than that.
	MaxPositionPct num.Decimal `toml:"max_position_pct"`
	// MaxExposurePct caps the value of all positions together. Default 100:
	// no leverage. It may not exceed MaxLeverage × 100.
	MaxExposurePct num.Decimal `toml:"max_exposure_pct"`
	// MaxOpenPositions caps how many symbols may hold a position (or a
	// working entry) at once. Default 5, which with 1% risk per trade stays
	// within the 6% open-risk cap.
	MaxOpenPositions int `toml:"max_open_positions"`
	// MaxLeverage caps the leverage an intent may ask for (futures; spot
	// trades at 1). Default 3, at most HardMaxLeverage (10).
	MaxLeverage int `toml:"max_leverage"`

	// OrderRateMax orders (submits and modifies) may be allowed in any
	// sliding window of OrderRateWindow; one more is denied, not queued.
	// Default 10.
	OrderRateMax int `toml:"order_rate_max"`
	// OrderRateWindow is the length of that window, a whole number of
	// milliseconds. Default 1m.
	OrderRateWindow time.Duration `toml:"order_rate_window"`

	// PriceBandPct is how far, in percent of the last trade price, a limit
	// price may lie from it. Exactly at the band is allowed. Default 5.
	PriceBandPct num.Decimal `toml:"price_band_pct"`

	// MaxDataAge is the oldest a symbol's last price may be, measured on the
	// clock the gate is given; a price that far in the future of the clock is
	// refused too. Default 120s. A backtest that stamps each price with its
	// bar's close time and checks at that close sees age 0, so it keeps the
	// check on.
	MaxDataAge time.Duration `toml:"max_data_age"`
	// DisableStaleCheck turns the age check off, for feeds whose price times
	// lag the clock by design (bars stamped with their open time, sparse
	// bars). Never in live trading. Default false.
	DisableStaleCheck bool `toml:"disable_stale_check"`

	// CorrelationThreshold is the Pearson correlation of returns at or
	// above which two symbols count as one group for MaxCorrelatedPct; a
	// pair whose correlation is not known yet counts too. Default 0.8.
	CorrelationThreshold float64 `toml:"correlation_threshold"`
	// CorrelationLookback is how many of the latest returns the correlation
	// is computed over; a pair needs half of them in common. Default 30.
	CorrelationLookback int `toml:"correlation_lookback"`
	// CorrelationInterval is how often returns are sampled: one return per
	// symbol per interval, from the last price of the interval before.
	// Default 1h.
	CorrelationInterval time.Duration `toml:"correlation_interval"`
	// MaxCorrelatedPct caps the combined position value of an entry's
	// symbol and every symbol in its group. Default 50.
	MaxCorrelatedPct num.Decimal `toml:"max_correlated_pct"`

	// DuplicateWindow is how long a submitted order blocks an identical one
	// (same symbol, side, type, quantity and prices). Default 10s.
	DuplicateWindow time.Duration `toml:"duplicate_window"`

	// DailyLossPct halts trading for the rest of the calendar day once
	// equity has fallen by this much from the day's starting equity. It is
	// required. Default 3.
	DailyLossPct num.Decimal `toml:"daily_loss_pct"`
	// DailyTimeZone is the IANA zone whose calendar days the daily loss
	// limit counts. Default "UTC".
	DailyTimeZone string `toml:"daily_time_zone"`
	// MaxDrawdownPct halts trading until a person resumes it once equity has
	// fallen by this much from its peak. Default 10.
	MaxDrawdownPct num.Decimal `toml:"max_drawdown_pct"`
	// MaxConsecutiveLosses losing trades in a row start a cool-down.
	// Default 3.
	MaxConsecutiveLosses int `toml:"max_consecutive_losses"`
	// CoolDown is how long entries are denied after that. Default 60m.
	CoolDown time.Duration `toml:"cool_down"`

	// KillSwitchRejects venue rejections in a row trip the kill-switch.
	// Default 5.
	KillSwitchRejects int `toml:"kill_switch_rejects"`
	// KillSwitchVenueErrors venue errors within KillSwitchErrorWindow trip
	// it too. Default 5.
	KillSwitchVenueErrors int `toml:"kill_switch_venue_errors"`
	// KillSwitchErrorWindow is that window. Default 1m.
	KillSwitchErrorWindow time.Duration `toml:"kill_switch_error_window"`
}

// Defaults returns the default limits, which Validate accepts.
func Defaults() Config {
	return Config{
		StopMinPct:            num.FromInt(2),
		StopMaxPct:            num.FromInt(5),
		RiskPerTradePct:       num.FromInt(1),
		OpenRiskPct:           num.FromInt(6),
		MaxPositionPct:        num.FromInt(25),
		MaxExposurePct:        num.FromInt(100),
		MaxOpenPositions:      5,
		MaxLeverage:           3,
		OrderRateMax:          10,
		OrderRateWindow:       time.Minute,
		PriceBandPct:          num.FromInt(5),
		MaxDataAge:            120 * time.Second,
		CorrelationThreshold:  0.8,
		CorrelationLookback:   30,
		CorrelationInterval:   time.Hour,
		MaxCorrelatedPct:      num.FromInt(50),
		DuplicateWindow:       10 * time.Second,
		DailyLossPct:          num.FromInt(3),
		DailyTimeZone:         "UTC",
		MaxDrawdownPct:        num.FromInt(10),
		MaxConsecutiveLosses:  3,
		CoolDown:              time.Hour,
		KillSwitchRejects:     5,
		KillSwitchVenueErrors: 5,
		KillSwitchErrorWindow: time.Minute,
	}
}

// Validate returns nil or an error listing every problem at once, one per
// line, each naming its TOML key: a missing or zero daily loss limit, values
// beyond the hard caps, negative or zero values, a minimum above its maximum,
// an unknown time zone, and settings the gate cannot hold in its fixed
// tables.
func (c *Config) Validate() error {
	var errs []error
	hundred := num.FromInt(100)
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }

	// pct checks a percentage: positive, at most max (when max is set) and
	// at most MaxPctScale decimals. It reports whether the value is usable
	// for the cross-field checks below.
	pct := func(key string, v num.Decimal, max num.Decimal, maxName string) bool {
		switch {
		case v.IsZero():
			bad("%s is missing or zero", key)
			return false
		case v.IsNeg():
			bad("%s = %s is negative", key, v)
			return false
		case v.Scale() > MaxPctScale && !v.IsMultipleOf(num.MustNew(1, MaxPctScale)):
			bad("%s = %s has more than %d decimals", key, v, MaxPctScale)
			return false
		case !max.IsZero() && max.Less(v):
			bad("%s = %s exceeds %s %s", key, v, maxName, max)
			return false
		}
		return true
	}
	positive := func(key string, v int) bool {
		if v <= 0 {
			bad("%s = %d must be at least 1", key, v)
			return false
		}
		return true
	}
	duration := func(key string, d time.Duration) bool {
		switch {
		case d <= 0:
			bad("%s = %s must be positive", key, d)
			return false
		case d%time.Millisecond != 0:
			bad("%s = %s must be a whole number of milliseconds", key, d)
			return false
		}
		return true
	}

	if c.DailyLossPct.IsZero() {
		bad("daily_loss_pct is required: a missing or zero daily loss limit is not allowed")
	} else {
		pct("daily_loss_pct", c.DailyLossPct, hundred, "100%")
	}
	if c.DailyTimeZone == "" {
		bad("daily_time_zone is missing (use \"UTC\")")
	} else if _, err := time.LoadLocation(c.DailyTimeZone); err != nil {
		bad("daily_time_zone = %q is not a known time zone: %v", c.DailyTimeZone, err)
	}
	pct("max_drawdown_pct", c.MaxDrawdownPct, hundred, "100%")

	minOK := pct("stop_min_pct", c.StopMinPct, hundred, "100%")
	maxOK := pct("stop_max_pct", c.StopMaxPct, hundred, "100%")
	if minOK && maxOK && c.StopMaxPct.Less(c.StopMinPct) {
		bad("stop_min_pct = %s is above stop_max_pct = %s", c.StopMinPct, c.StopMaxPct)
	}
	tradeOK := pct("risk_per_trade_pct", c.RiskPerTradePct, num.FromInt(HardMaxRiskPerTradePct), "the hard cap")
	openOK := pct("open_risk_pct", c.OpenRiskPct, num.FromInt(HardMaxOpenRiskPct), "the hard cap")
	if tradeOK && openOK && c.OpenRiskPct.Less(c.RiskPerTradePct) {
		bad("risk_per_trade_pct = %s is above open_risk_pct = %s", c.RiskPerTradePct, c.OpenRiskPct)
	}

	levOK := true
	switch {
	case c.MaxLeverage < 1:
		bad("max_leverage = %d must be at least 1", c.MaxLeverage)
		levOK = false
	case c.MaxLeverage > HardMaxLeverage:
		bad("max_leverage = %d exceeds the hard cap %d", c.MaxLeverage, HardMaxLeverage)
		levOK = false
	}
	var expMax num.Decimal // zero: no upper bound known
	if levOK {
		expMax, _ = num.FromInt(int64(c.MaxLeverage)).Mul(hundred)
	}
	expOK := pct("max_exposure_pct", c.MaxExposurePct, expMax, "max_leverage × 100% =")
	posOK := pct("max_position_pct", c.MaxPositionPct, num.Zero, "")
	corOK := pct("max_correlated_pct", c.MaxCorrelatedPct, num.Zero, "")
	if expOK && posOK && c.MaxExposurePct.Less(c.MaxPositionPct) {
		bad("max_position_pct = %s is above max_exposure_pct = %s", c.MaxPositionPct, c.MaxExposurePct)
	}
	if expOK && corOK && c.MaxExposurePct.Less(c.MaxCorrelatedPct) {
		bad("max_correlated_pct = %s is above max_exposure_pct = %s", c.MaxCorrelatedPct, c.MaxExposurePct)
	}
	positive("max_open_positions", c.MaxOpenPositions)

	rateOK := positive("order_rate_max", c.OrderRateMax)
	if c.OrderRateMax > MaxOrderRate {
		bad("order_rate_max = %d exceeds %d", c.OrderRateMax, MaxOrderRate)
		rateOK = false
	}
	rateOK = duration("order_rate_window", c.OrderRateWindow) && rateOK
	dupOK := duration("duplicate_window", c.DuplicateWindow)
	if rateOK && dupOK && c.duplicateRing() > MaxDuplicateRing {
		bad("duplicate_window = %s at order_rate_max = %d per %s needs a ring of %d orders, more than %d",
			c.DuplicateWindow, c.OrderRateMax, c.OrderRateWindow, c.duplicateRing(), MaxDuplicateRing)
	}

	pct("price_band_pct", c.PriceBandPct, hundred, "100%")
	if !c.DisableStaleCheck {
		duration("max_data_age", c.MaxDataAge)
	}

	if !(c.CorrelationThreshold > 0 && c.CorrelationThreshold <= 1) { // also refuses NaN
		bad("correlation_threshold = %v must be above 0 and at most 1", c.CorrelationThreshold)
	}
	if c.CorrelationLookback < MinCorrelationLookback || c.CorrelationLookback > MaxCorrelationLookback {
		bad("correlation_lookback = %d must be between %d and %d",
			c.CorrelationLookback, MinCorrelationLookback, MaxCorrelationLookback)
	}
	duration("correlation_interval", c.CorrelationInterval)

	positive("max_consecutive_losses", c.MaxConsecutiveLosses)
	duration("cool_down", c.CoolDown)
	positive("kill_switch_rejects", c.KillSwitchRejects)
	positive("kill_switch_venue_errors", c.KillSwitchVenueErrors)
	duration("kill_switch_error_window", c.KillSwitchErrorWindow)

	if len(errs) == 0 {
		return nil
	}
	return fmt.Errorf("risk config: %w", errors.Join(errs...))
}

// duplicateRing is the most orders the rate limit can allow within one
// duplicate window, which is how many the duplicate guard must remember.
func (c *Config) duplicateRing() int64 {
	w, d := int64(c.OrderRateWindow), int64(c.DuplicateWindow)
	windows := (d + w - 1) / w
	return int64(c.OrderRateMax) * windows
}

// pctToFraction turns a percentage into the fraction it stands for (1 →
// 0.01), exactly.
func pctToFraction(p num.Decimal) num.Decimal {
	f, err := p.Mul(num.MustNew(1, 2))
	if err != nil {
		// Validate bounds the scale of every percentage to MaxPctScale.
		panic(fmt.Sprintf("risk: percentage %s: %v", p, err))
	}
	return f
}

package risk

import (
	"math"
	"strings"
	"testing"
	"time"

	"github.com/thunes/thunes/internal/num"
)

func TestDefaultsAreValid(t *testing.T) {
	c := Defaults()
	if err := c.Validate(); err != nil {
		t.Fatalf("Defaults().Validate() = %v", err)
	}
	// The documented defaults, so a change to them is a decision.
	checks := []struct {
		name      string
		got, want num.Decimal
	}{
		{"stop_min_pct", c.StopMinPct, num.FromInt(2)},
		{"stop_max_pct", c.StopMaxPct, num.FromInt(5)},
		{"risk_per_trade_pct", c.RiskPerTradePct, num.FromInt(1)},
		{"open_risk_pct", c.OpenRiskPct, num.FromInt(6)},
		{"price_band_pct", c.PriceBandPct, num.FromInt(5)},
		{"daily_loss_pct", c.DailyLossPct, num.FromInt(3)},
		{"max_drawdown_pct", c.MaxDrawdownPct, num.FromInt(10)},
	}
	for _, ch := range checks {
		if !ch.got.Equal(ch.want) {
			t.Errorf("%s = %s, want %s", ch.name, ch.got, ch.want)
		}
	}
	if c.MaxLeverage != 3 || c.MaxConsecutiveLosses != 3 || c.CoolDown != time.Hour ||
		c.MaxDataAge != 120*time.Second || c.DailyTimeZone != "UTC" || c.CorrelationThreshold != 0.8 {
		t.Errorf("defaults changed: %+v", c)
	}
}

func TestValidateZeroConfigListsEveryProblem(t *testing.T) {
	var c Config
	err := c.Validate()
	if err == nil {
		t.Fatal("zero Config validated")
	}
	msg := err.Error()
	for _, key := range []string{
		"daily_loss_pct is required", "daily_time_zone", "max_drawdown_pct", "stop_min_pct", "stop_max_pct",
		"risk_per_trade_pct", "open_risk_pct", "max_leverage", "max_exposure_pct", "max_position_pct",
		"max_correlated_pct", "max_open_positions", "order_rate_max", "order_rate_window", "duplicate_window",
		"price_band_pct", "max_data_age", "correlation_threshold", "correlation_lookback",
		"correlation_interval", "max_consecutive_losses", "cool_down", "kill_switch_rejects",
		"kill_switch_venue_errors", "kill_switch_error_window",
	} {
		if !strings.Contains(msg, key) {
			t.Errorf("error does not mention %s:\n%s", key, msg)
		}
	}
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name   string
		change func(*Config)
		want   string // substring of the error; "" means valid
	}{
		{"daily loss missing", func(c *Config) { c.DailyLossPct = num.Zero }, "daily_loss_pct is required"},
		{"daily loss negative", func(c *Config) { c.DailyLossPct = d("-3") }, "daily_loss_pct = -3 is negative"},
		{"daily loss 100", func(c *Config) { c.DailyLossPct = d("100") }, ""},
		{"daily loss over 100", func(c *Config) { c.DailyLossPct = d("100.0001") }, "daily_loss_pct = 100.0001 exceeds 100%"},
		{"time zone unknown", func(c *Config) { c.DailyTimeZone = "Mars/Olympus" }, "daily_time_zone = \"Mars/Olympus\""},
		{"time zone empty", func(c *Config) { c.DailyTimeZone = "" }, "daily_time_zone is missing"},

		{"risk per trade at hard cap", func(c *Config) { c.RiskPerTradePct = d("2") }, ""},
		{"risk per trade over hard cap", func(c *Config) { c.RiskPerTradePct = d("2.0001") }, "risk_per_trade_pct = 2.0001 exceeds the hard cap 2"},
		{"risk per trade negative", func(c *Config) { c.RiskPerTradePct = d("-1") }, "risk_per_trade_pct = -1 is negative"},
		{"open risk at hard cap", func(c *Config) { c.OpenRiskPct = d("10") }, ""},
		{"open risk over hard cap", func(c *Config) { c.OpenRiskPct = d("10.0001") }, "open_risk_pct = 10.0001 exceeds the hard cap 10"},
		{"open risk below per trade", func(c *Config) { c.OpenRiskPct = d("0.5") }, "risk_per_trade_pct = 1 is above open_risk_pct = 0.5"},
		{"percent with 4 decimals", func(c *Config) { c.RiskPerTradePct = d("0.1234") }, ""},
		{"percent with 5 decimals", func(c *Config) { c.RiskPerTradePct = d("0.12345") }, "has more than 4 decimals"},
		{"percent with trailing zeros", func(c *Config) { c.RiskPerTradePct = d("1.00000000") }, ""},

		{"stop min equals max", func(c *Config) { c.StopMinPct, c.StopMaxPct = d("3"), d("3") }, ""},
		{"stop min above max", func(c *Config) { c.StopMinPct, c.StopMaxPct = d("5.0001"), d("5") }, "stop_min_pct = 5.0001 is above stop_max_pct = 5"},
		{"stop min zero", func(c *Config) { c.StopMinPct = num.Zero }, "stop_min_pct is missing or zero"},

		{"leverage at hard cap", func(c *Config) { c.MaxLeverage = 10 }, ""},
		{"leverage over hard cap", func(c *Config) { c.MaxLeverage = 11 }, "max_leverage = 11 exceeds the hard cap 10"},
		{"leverage zero", func(c *Config) { c.MaxLeverage = 0 }, "max_leverage = 0 must be at least 1"},
		{"exposure at leverage", func(c *Config) { c.MaxExposurePct = d("300") }, ""},
		{"exposure over leverage", func(c *Config) { c.MaxExposurePct = d("300.0001") }, "max_exposure_pct = 300.0001 exceeds max_leverage × 100% = 300"},
		{"position above exposure", func(c *Config) { c.MaxPositionPct = d("100.0001") }, "max_position_pct = 100.0001 is above max_exposure_pct = 100"},
		{"correlated above exposure", func(c *Config) { c.MaxCorrelatedPct = d("101") }, "max_correlated_pct = 101 is above max_exposure_pct = 100"},
		{"open positions zero", func(c *Config) { c.MaxOpenPositions = 0 }, "max_open_positions = 0 must be at least 1"},

		{"rate zero", func(c *Config) { c.OrderRateMax = 0 }, "order_rate_max = 0 must be at least 1"},
		{"rate at bound", func(c *Config) { c.OrderRateMax = MaxOrderRate }, ""},
		{"rate over bound", func(c *Config) { c.OrderRateMax = MaxOrderRate + 1 }, "order_rate_max = 10001 exceeds 10000"},
		{"rate window negative", func(c *Config) { c.OrderRateWindow = -time.Second }, "order_rate_window = -1s must be positive"},
		{"rate window sub-millisecond", func(c *Config) { c.OrderRateWindow = time.Millisecond + 1 }, "whole number of milliseconds"},
		{"duplicate ring too large", func(c *Config) {
			c.OrderRateMax, c.OrderRateWindow, c.DuplicateWindow = 10000, time.Second, 11*time.Second
		}, "needs a ring of 110000 orders"},

		{"price band zero", func(c *Config) { c.PriceBandPct = num.Zero }, "price_band_pct is missing or zero"},
		{"data age zero", func(c *Config) { c.MaxDataAge = 0 }, "max_data_age = 0s must be positive"},
		{"data age zero with check off", func(c *Config) { c.MaxDataAge, c.DisableStaleCheck = 0, true }, ""},

		{"correlation threshold 1", func(c *Config) { c.CorrelationThreshold = 1 }, ""},
		{"correlation threshold over 1", func(c *Config) { c.CorrelationThreshold = 1.01 }, "correlation_threshold = 1.01"},
		{"correlation threshold NaN", func(c *Config) { c.CorrelationThreshold = math.NaN() }, "correlation_threshold = NaN"},
		{"correlation lookback low", func(c *Config) { c.CorrelationLookback = 2 }, "correlation_lookback = 2 must be between 3 and 1000"},
		{"correlation lookback at bound", func(c *Config) { c.CorrelationLookback = 3 }, ""},

		{"losses zero", func(c *Config) { c.MaxConsecutiveLosses = 0 }, "max_consecutive_losses = 0 must be at least 1"},
		{"cool-down zero", func(c *Config) { c.CoolDown = 0 }, "cool_down = 0s must be positive"},
		{"kill rejects zero", func(c *Config) { c.KillSwitchRejects = 0 }, "kill_switch_rejects = 0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := Defaults()
			tt.change(&c)
			err := c.Validate()
			switch {
			case tt.want == "" && err != nil:
				t.Fatalf("Validate() = %v, want nil", err)
			case tt.want != "" && err == nil:
				t.Fatalf("Validate() = nil, want an error containing %q", tt.want)
			case tt.want != "" && !strings.Contains(err.Error(), tt.want):
				t.Fatalf("Validate() = %v\nwant it to contain %q", err, tt.want)
			}
		})
	}
}

func TestValidateReportsSeveralProblemsAtOnce(t *testing.T) {
	c := Defaults()
	c.RiskPerTradePct = num.FromInt(3)
	c.MaxLeverage = 20
	c.StopMinPct, c.StopMaxPct = num.FromInt(6), num.FromInt(5)
	err := c.Validate()
	if err == nil {
		t.Fatal("Validate() = nil")
	}
	for _, want := range []string{"risk_per_trade_pct = 3", "max_leverage = 20", "stop_min_pct = 6 is above"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q:\n%v", want, err)
		}
	}
	if n := strings.Count(err.Error(), "\n") + 1; n != 3 {
		t.Errorf("error has %d lines, want 3:\n%v", n, err)
	}
}

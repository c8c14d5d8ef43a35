package strategy

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
)

// Param declares one parameter of a strategy: its default, the range a user
// or a parameter search may set, and what it means.
type Param struct {
	Name    string
	Default float64
	Min     float64
	Max     float64
	// Integer parameters take whole values only (lengths in bars, counts).
	Integer bool
	// Unit names what the value counts: "bars", "%", "hours".
	Unit string
	Desc string
}

// Range describes the valid values of p, as in "[2, 500] bars, whole".
func (p Param) Range() string {
	r := fmt.Sprintf("[%s, %s]", formatFloat(p.Min), formatFloat(p.Max))
	if p.Unit != "" {
		r += " " + p.Unit
	}
	if p.Integer {
		r += ", whole"
	}
	return r
}

// Check reports whether v is a valid value of p.
func (p Param) Check(v float64) error {
	switch {
	case math.IsNaN(v) || math.IsInf(v, 0):
		return fmt.Errorf("%s=%v is not a number", p.Name, v)
	case v < p.Min || v > p.Max:
		return fmt.Errorf("%s=%s is outside %s", p.Name, formatFloat(v), p.Range())
	case p.Integer && v != math.Trunc(v):
		return fmt.Errorf("%s=%s must be a whole number", p.Name, formatFloat(v))
	}
	return nil
}

func formatFloat(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }

// Values are resolved parameter values by name.
type Values map[string]float64

// Int returns the value of name as an int.
func (v Values) Int(name string) int { return int(v[name]) }

// Key renders the values in the order of params, as "fast=10 slow=50".
func (v Values) Key(params []Param) string {
	var b strings.Builder
	for i, p := range params {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(p.Name)
		b.WriteByte('=')
		b.WriteString(formatFloat(v[p.Name]))
	}
	return b.String()
}

// Spec describes a built-in strategy: its name, what it does, its
// parameters, and how to build it.
type Spec struct {
	Name    string
	Summary string
	Params  []Param
	// build makes the strategy for symbol from complete, range-checked
	// values; it checks the rules that tie parameters together.
	build func(symbol string, v Values) (Strategy, error)
}

// Param returns the declaration of the parameter name.
func (s *Spec) Param(name string) (Param, bool) {
	for _, p := range s.Params {
		if p.Name == name {
			return p, true
		}
	}
	return Param{}, false
}

// ParamNames lists the parameter names in declaration order.
func (s *Spec) ParamNames() []string {
	names := make([]string, len(s.Params))
	for i, p := range s.Params {
		names[i] = p.Name
	}
	return names
}

// Defaults returns every parameter at its default.
func (s *Spec) Defaults() Values {
	v := make(Values, len(s.Params))
	for _, p := range s.Params {
		v[p.Name] = p.Default
	}
	return v
}

// Resolve fills the parameters missing from set with their defaults and
// checks every value; the error lists every problem and the valid
// parameters with their ranges.
func (s *Spec) Resolve(set map[string]float64) (Values, error) {
	v := s.Defaults()
	var errs []string
	names := make([]string, 0, len(set))
	for k := range set {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		p, ok := s.Param(k)
		if !ok {
			errs = append(errs, fmt.Sprintf("unknown parameter %q", k))
			continue
		}
		if err := p.Check(set[k]); err != nil {
			errs = append(errs, err.Error())
			continue
		}
		v[k] = set[k]
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("%s: %s (valid: %s)", s.Name, strings.Join(errs, "; "), s.validList())
	}
	return v, nil
}

func (s *Spec) validList() string {
	parts := make([]string, len(s.Params))
	for i, p := range s.Params {
		parts[i] = p.Name + " " + p.Range()
	}
	return strings.Join(parts, ", ")
}

// New builds the strategy for symbol with the parameters in set; missing ones
// take their defaults.
func (s *Spec) New(symbol string, set map[string]float64) (Strategy, error) {
	v, err := s.Resolve(set)
	if err != nil {
		return nil, err
	}
	return s.build(symbol, v)
}

// Builtins returns the built-in strategies sorted by name.
func Builtins() []*Spec {
	specs := []*Spec{emaCrossSpec(), rsiReversionSpec(), bollingerSpec(), donchianSpec(), gridSpec(), dcaSpec()}
	sort.Slice(specs, func(i, j int) bool { return specs[i].Name < specs[j].Name })
	return specs
}

// Names lists the built-in strategies' names, sorted.
func Names() []string {
	specs := Builtins()
	names := make([]string, len(specs))
	for i, s := range specs {
		names[i] = s.Name
	}
	return names
}

// Lookup returns the built-in strategy name; the error lists the valid names.
func Lookup(name string) (*Spec, error) {
	for _, s := range Builtins() {
		if s.Name == name {
			return s, nil
		}
	}
	return nil, fmt.Errorf("unknown strategy %q (valid: %s)", name, strings.Join(Names(), ", "))
}

// New builds the built-in strategy name for symbol with the parameters in
// set.
func New(name, symbol string, set map[string]float64) (Strategy, error) {
	s, err := Lookup(name)
	if err != nil {
		return nil, err
	}
	return s.New(symbol, set)
}

// The parameters most built-ins share.
var (
	stopParam = Param{Name: "stop", Default: 4, Min: 0.1, Max: 50, Unit: "%",
		Desc: "stop-loss distance below the entry price, declared with the entry; the engine keeps a stop there"}
	riskParam = Param{Name: "risk", Default: 0.8, Min: 0.01, Max: 10, Unit: "%",
		Desc: "share of equity lost if the stop is hit; sizes each entry (capped by the free quote)"}
	takeProfitParam = Param{Name: "take_profit", Default: 0, Min: 0, Max: 1000, Unit: "%",
		Desc: "take-profit distance above the entry price (0: none)"}
	trailParam = Param{Name: "trail", Default: 0, Min: 0, Max: 50, Unit: "%",
		Desc: "trailing stop distance below the highest price since entry (0: none)"}
)

func emaCrossSpec() *Spec {
	d := DefaultEMACrossParams()
	return &Spec{
		Name:    "ema-cross",
		Summary: "trend: buys when the fast EMA of closes crosses above the slow one, sells when it crosses back",
		Params: []Param{
			{Name: "fast", Default: float64(d.Fast), Min: 1, Max: 1000, Integer: true, Unit: "bars", Desc: "length of the fast EMA"},
			{Name: "slow", Default: float64(d.Slow), Min: 2, Max: 5000, Integer: true, Unit: "bars", Desc: "length of the slow EMA; greater than fast"},
			{Name: "stop", Default: d.StopPct, Min: 0.1, Max: 49.9, Unit: "%", Desc: stopParam.Desc},
			{Name: "risk", Default: d.RiskPct, Min: 0.01, Max: 10, Unit: "%", Desc: riskParam.Desc},
		},
		build: func(symbol string, v Values) (Strategy, error) {
			return NewEMACross(symbol, EMACrossParams{Fast: v.Int("fast"), Slow: v.Int("slow"), StopPct: v["stop"], RiskPct: v["risk"]})
		},
	}
}

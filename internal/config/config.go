// Package config reads thunes's configuration file.
//
// The file is TOML with these tables, all optional:
//
//	[risk]                      # every risk limit (keys: the toml tags of risk.Config)
//	daily_loss_pct = "3"        # required whenever [risk] is present
//	cool_down      = "60m"
//
//	[strategy]                  # what `thunes run` trades
//	name     = "ema-cross"
//	symbols  = ["BTCUSDT"]
//	interval = "1m"
//	[strategy.params]           # the strategy's declared parameters
//	fast = 20
//
//	[binance]                   # base URLs; empty: the mode's defaults. Never keys.
//	rest_url   = "https://api.binance.com"
//	stream_url = "wss://stream.binance.com:9443"
//	ws_api_url = "wss://ws-api.binance.com:443/ws-api/v3"
//
//	[live]                      # the guard on real money
//	enabled     = false
//	account     = "main"
//	max_capital = "500"
//
//	[reconcile]
//	interval    = "5m"
//	on_mismatch = "halted"      # or "reducing"
//
//	[store]
//	dsn = "thunes.db"           # a SQLite path or a postgres:// DSN
//
//	[paper]
//	capital = "10000"           # the simulated account's quote balance
//
// Everything the file leaves out keeps its default, with one exception: a
// [risk] table must set daily_loss_pct itself. A file that writes down risk
// limits is a deliberate choice of limits, and the one limit that stops a
// bad day must be part of that choice rather than a default the author may
// not know about. A file without a [risk] table keeps every risk default,
// the 3% daily loss limit included.
//
// Reading is strict. Keys match exactly (TOML keys are case-sensitive), an
// unknown key is an error, durations are strings with a unit ("90s", "60m";
// a bare number is refused rather than read as nanoseconds), and
// percentages are decimal strings or numbers ("0.5" or 0.5). API keys in the
// file are refused with a pointer to the environment variables that carry
// them. Load reports every problem of a file at once, each with its line when
// known, then every problem risk.Config.Validate finds, then the checks of
// the run tables (a strategy that exists with valid parameters, symbols,
// URLs, the live guard).
package config

import (
	"bytes"
	"errors"
	"fmt"
	"maps"
	"math"
	"os"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/BurntSushi/toml"

	"github.com/thunes/thunes/internal/num"
	"github.com/thunes/thunes/internal/risk"
)

// Config is the effective configuration: the defaults overlaid with what a
// file sets.
type Config struct {
	// Risk is the [risk] table: every risk limit.
	Risk risk.Config `toml:"risk"`
	// Strategy is the [strategy] table: what `thunes run` trades.
	Strategy Strategy `toml:"strategy"`
	// Binance is the [binance] table: where the exchange is.
	Binance Binance `toml:"binance"`
	// Live is the [live] table: the guard on real money.
	Live Live `toml:"live"`
	// Reconcile is the [reconcile] table.
	Reconcile Reconcile `toml:"reconcile"`
	// Store is the [store] table.
	Store Store `toml:"store"`
	// Paper is the [paper] table: the simulated account of paper mode.
	Paper Paper `toml:"paper"`
}

// Strategy names the strategy a run trades and on what.
type Strategy struct {
	Name     string   `toml:"name"`
	Symbols  []string `toml:"symbols"`
	Interval string   `toml:"interval"`
	// Params are the strategy's parameters ([strategy.params]); missing
	// ones keep their defaults.
	Params map[string]float64 `toml:"params"`
}

// Binance holds the exchange's base URLs; empty ones take the mode's
// defaults (Binance's production or testnet URLs). API keys are never read
// from the configuration: they come from the environment or a key file.
type Binance struct {
	RestURL   string `toml:"rest_url"`
	StreamURL string `toml:"stream_url"`
	WSAPIURL  string `toml:"ws_api_url"`
}

// Live must be enabled, with the account and the most capital it may
// trade, before live mode starts; the command line must repeat both.
type Live struct {
	Enabled    bool        `toml:"enabled"`
	Account    string      `toml:"account"`
	MaxCapital num.Decimal `toml:"max_capital"`
}

// Reconcile says how often the books are compared with the exchange and
// what a mismatch does.
type Reconcile struct {
	Interval time.Duration `toml:"interval"`
	// OnMismatch is "reducing" (only orders that reduce positions) or
	// "halted" (no orders; positions closed).
	OnMismatch string `toml:"on_mismatch"`
}

// Store names the database: a SQLite path or a postgres:// DSN.
type Store struct {
	DSN string `toml:"dsn"`
}

// Paper is the simulated account of paper mode.
type Paper struct {
	// Capital is the starting balance in the quote asset.
	Capital num.Decimal `toml:"capital"`
}

// Default returns the configuration used when no file is given. It passes
// validation.
func Default() *Config {
	return &Config{
		Risk:      risk.Defaults(),
		Strategy:  Strategy{Name: "ema-cross", Symbols: []string{"BTCUSDT"}, Interval: "1m"},
		Reconcile: Reconcile{Interval: 5 * time.Minute, OnMismatch: "halted"},
		Paper:     Paper{Capital: num.FromInt(10000)},
	}
}

// String returns the effective configuration as TOML that Parse reads back to
// the same configuration, for logging at startup. Secrets must never appear
// in it: none exist yet, and a field that holds one must be masked here
// before encoding.
func (c *Config) String() string {
	shown := *c // mask secrets in shown, never in c
	var b bytes.Buffer
	enc := toml.NewEncoder(&b)
	enc.Indent = ""
	if err := enc.Encode(shown); err != nil {
		// Every field type of Config encodes; a new one that does not is a
		// programming error the tests catch.
		return fmt.Sprintf("# config cannot be shown: %v\n", err)
	}
	return b.String()
}

// Problem is one thing wrong with a configuration file.
type Problem struct {
	// Line is the 1-based line the problem is on, or 0 when not known (a
	// missing key, a rule across several keys).
	Line int
	// Key is the dotted key the problem is about ("risk.cool_down"), or
	// empty.
	Key string
	// Msg says what is wrong, naming the key.
	Msg string
}

// Error lists every problem found in one configuration file. Load and Parse
// return it for a file that is readable but wrong.
type Error struct {
	// Path is the file's path as given.
	Path string
	// Problems are in the order found: a syntax error alone, or else the
	// keys in file order, a missing daily_loss_pct, then the rules of
	// risk.Config.Validate.
	Problems []Problem
}

// Error returns one line naming the file, then one line per problem in the
// compiler's "path:line: message" form.
func (e *Error) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "config file %s is invalid:", e.Path)
	for _, p := range e.Problems {
		b.WriteString("\n\t")
		b.WriteString(e.Path)
		if p.Line > 0 {
			fmt.Fprintf(&b, ":%d", p.Line)
		}
		b.WriteString(": ")
		b.WriteString(p.Msg)
	}
	return b.String()
}

// Load reads the configuration file at path. It returns an error naming the
// file when it cannot be read, and an *Error listing every problem when its
// content is wrong; the configuration is returned only when there is none.
func Load(path string) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("config file: %w", err)
	}
	return Parse(path, data)
}

// Parse reads a configuration from data; path names it in errors. It
// returns an *Error listing every problem, or the configuration.
func Parse(path string, data []byte) (*Config, error) {
	var top map[string]toml.Primitive
	md, err := toml.NewDecoder(bytes.NewReader(data)).Decode(&top)
	if err != nil {
		p := Problem{Msg: err.Error()}
		var pe toml.ParseError
		if errors.As(err, &pe) {
			p = Problem{Line: pe.Position.Line, Key: pe.LastKey, Msg: pe.Message}
		}
		return nil, &Error{Path: path, Problems: []Problem{p}}
	}

	c := Default()
	var probs []Problem
	tables := tomlFields(c)
	for _, k := range sortedKeys(&md, top) {
		if _, ok := tables[k.name]; !ok {
			probs = append(probs, unknownKey(k.name, k.line, slices.Sorted(maps.Keys(tables))))
		}
	}
	if prim, ok := top["risk"]; ok {
		probs = append(probs, decodeRisk(&md, prim, &c.Risk)...)
	}
	if err := c.Risk.Validate(); err != nil {
		probs = append(probs, validateProblems(&md, top, err)...)
	}
	for _, name := range []string{"strategy", "binance", "live", "reconcile", "store", "paper"} {
		if prim, ok := top[name]; ok {
			probs = append(probs, decodeTable(&md, name, prim, tables[name].Addr().Interface())...)
		}
	}
	probs = append(probs, c.checkRun(&md, top)...)
	if len(probs) > 0 {
		return nil, &Error{Path: path, Problems: probs}
	}
	return c, nil
}

// decodeRisk decodes the [risk] table into dst, which holds the defaults,
// and returns every problem: unknown keys, values of the wrong type, and a
// missing daily_loss_pct.
func decodeRisk(md *toml.MetaData, prim toml.Primitive, dst *risk.Config) []Problem {
	probs := decodeTable(md, "risk", prim, dst)
	var raw any
	_ = md.PrimitiveDecode(prim, &raw)
	var table map[string]toml.Primitive
	if _, ok := raw.(map[string]any); !ok || md.PrimitiveDecode(prim, &table) != nil {
		return probs // not a table: said already
	}
	if _, ok := table["daily_loss_pct"]; !ok {
		probs = append(probs, Problem{Key: "risk.daily_loss_pct",
			Msg: "risk.daily_loss_pct is missing: a [risk] table must set the daily loss limit itself"})
	}
	return probs
}

// secretKeys are keys a person might put in [binance] by habit: they are
// refused with a pointer to where keys belong.
var secretKeys = map[string]bool{"api_key": true, "secret_key": true, "secret": true, "private_key": true, "apikey": true, "key": true}

// decodeTable decodes the table name into the struct dst points to, which
// holds the defaults, and returns every problem: a value that is not a
// table, unknown keys, values of the wrong type.
func decodeTable(md *toml.MetaData, name string, prim toml.Primitive, dst any) []Problem {
	// The decoder leaves a map empty, without an error, when the value is not
	// a table, so check the value's type first.
	var raw any
	_ = md.PrimitiveDecode(prim, &raw) // decoding into any cannot fail
	var table map[string]toml.Primitive
	if _, ok := raw.(map[string]any); !ok {
		return []Problem{{Line: lineOf(md, prim), Key: name, Msg: fmt.Sprintf("%s must be a table ([%s]), not %s", name, name, tomlType(raw))}}
	}
	if err := md.PrimitiveDecode(prim, &table); err != nil {
		return []Problem{{Line: lineOf(md, prim), Key: name, Msg: fmt.Sprintf("%s: %v", name, err)}}
	}
	fields := tomlFields(dst)
	var probs []Problem
	for _, k := range sortedKeys(md, table) {
		key := name + "." + k.name
		f, ok := fields[k.name]
		if !ok {
			if name == "binance" && secretKeys[strings.ToLower(k.name)] {
				probs = append(probs, Problem{Line: k.line, Key: key, Msg: key + ": API keys are never read from the configuration; " +
					"set THUNES_BINANCE_API_KEY and THUNES_BINANCE_SECRET_KEY (or THUNES_BINANCE_PRIVATE_KEY_FILE) instead"})
				continue
			}
			probs = append(probs, unknownKey(key, k.line, slices.Sorted(maps.Keys(fields))))
			continue
		}
		var v any
		if err := md.PrimitiveDecode(table[k.name], &v); err != nil {
			probs = append(probs, Problem{Line: k.line, Key: key, Msg: fmt.Sprintf("%s: %v", key, err)})
			continue
		}
		if err := setField(f, v); err != nil {
			probs = append(probs, Problem{Line: k.line, Key: key, Msg: fmt.Sprintf("%s: %v", key, err)})
		}
	}
	return probs
}

// tomlFields maps each toml tag of the struct *p points to onto its field.
func tomlFields(p any) map[string]reflect.Value {
	rv := reflect.ValueOf(p).Elem()
	fields := make(map[string]reflect.Value, rv.NumField())
	for i := range rv.NumField() {
		name, _, _ := strings.Cut(rv.Type().Field(i).Tag.Get("toml"), ",")
		if name != "" && name != "-" {
			fields[name] = rv.Field(i)
		}
	}
	return fields
}

// setField stores the decoded TOML value v (string, int64, float64, bool,
// time, array or table) in f, or says why it cannot. The messages do not
// repeat string values, so a future secret field cannot leak through them.
func setField(f reflect.Value, v any) error {
	switch dst := f.Addr().Interface().(type) {
	case *num.Decimal:
		var s string
		switch v := v.(type) {
		case string:
			s = v
		case int64:
			s = strconv.FormatInt(v, 10)
		case float64:
			// The shortest text that reads back as v is the literal the
			// file holds for any value with up to 15 significant digits,
			// far more than risk.MaxPctScale allows.
			if math.IsInf(v, 0) || math.IsNaN(v) {
				return fmt.Errorf("%v is not a decimal number", v)
			}
			s = strconv.FormatFloat(v, 'f', -1, 64)
		default:
			return fmt.Errorf("want a decimal number such as \"0.5\", got %s", tomlType(v))
		}
		d, err := num.Parse(s)
		if err != nil {
			return fmt.Errorf("%q is not a decimal number", s)
		}
		*dst = d
	case *time.Duration:
		s, ok := v.(string)
		if !ok {
			if _, isInt := v.(int64); isInt {
				return fmt.Errorf("write a duration as a string with its unit, such as \"60m\" or \"90s\", not the bare number %v", v)
			}
			return fmt.Errorf("want a duration string such as \"60m\", got %s", tomlType(v))
		}
		d, err := time.ParseDuration(s)
		if err != nil {
			return fmt.Errorf("%q is not a duration (use units h, m, s, ms, such as \"60m\")", s)
		}
		*dst = d
	case *int:
		n, ok := v.(int64)
		if !ok {
			return fmt.Errorf("want an integer, got %s", tomlType(v))
		}
		if int64(int(n)) != n {
			return fmt.Errorf("%d is out of range", n)
		}
		*dst = int(n)
	case *float64:
		switch v := v.(type) {
		case float64:
			*dst = v
		case int64:
			*dst = float64(v)
		default:
			return fmt.Errorf("want a number, got %s", tomlType(v))
		}
	case *bool:
		b, ok := v.(bool)
		if !ok {
			return fmt.Errorf("want true or false, got %s", tomlType(v))
		}
		*dst = b
	case *string:
		s, ok := v.(string)
		if !ok {
			return fmt.Errorf("want a string, got %s", tomlType(v))
		}
		*dst = s
	case *[]string:
		arr, ok := v.([]any)
		if !ok {
			return fmt.Errorf("want an array of strings, got %s", tomlType(v))
		}
		out := make([]string, len(arr))
		for i, x := range arr {
			s, ok := x.(string)
			if !ok {
				return fmt.Errorf("element %d: want a string, got %s", i+1, tomlType(x))
			}
			out[i] = s
		}
		*dst = out
	case *map[string]float64:
		m, ok := v.(map[string]any)
		if !ok {
			return fmt.Errorf("want a table of numbers, got %s", tomlType(v))
		}
		out := make(map[string]float64, len(m))
		for _, k := range slices.Sorted(maps.Keys(m)) {
			switch x := m[k].(type) {
			case int64:
				out[k] = float64(x)
			case float64:
				out[k] = x
			default:
				return fmt.Errorf("%s: want a number, got %s", k, tomlType(x))
			}
		}
		*dst = out
	default:
		return fmt.Errorf("fields of type %s cannot be configured", f.Type())
	}
	return nil
}

// tomlType names the TOML type of a decoded value for messages.
func tomlType(v any) string {
	switch v := v.(type) {
	case string:
		return "a string"
	case int64:
		return fmt.Sprintf("the integer %d", v)
	case float64:
		return fmt.Sprintf("the float %v", v)
	case bool:
		return fmt.Sprintf("the boolean %v", v)
	case time.Time:
		return "a date-time"
	case []any, []map[string]any:
		return "an array"
	case map[string]any:
		return "a table"
	default:
		return fmt.Sprintf("a %T", v)
	}
}

// unknownKey reports key as unknown, suggesting the known name it most
// likely misspells: one within two edits, or one it is the start of.
func unknownKey(key string, line int, known []string) Problem {
	msg := "unknown key " + key
	section, name := "", key
	if i := strings.LastIndexByte(key, '.'); i >= 0 {
		section, name = key[:i+1], key[i+1:]
	}
	lower := strings.ToLower(name) // keys are case-sensitive; a wrong case is a likely slip
	best, bestDist := "", math.MaxInt
	for _, k := range known {
		d := editDistance(lower, k)
		if (d <= 2 || len(lower) >= 4 && strings.HasPrefix(k, lower)) && d < bestDist {
			best, bestDist = k, d
		}
	}
	if best != "" {
		msg += fmt.Sprintf(" (did you mean %s%s?)", section, best)
	}
	return Problem{Line: line, Key: key, Msg: msg}
}

// editDistance is the Levenshtein distance between a and b, in bytes.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// validateProblems splits the error of risk.Config.Validate into one
// problem per rule. Each of its messages starts with the key it is about,
// which gives the line when the file sets that key.
func validateProblems(md *toml.MetaData, top map[string]toml.Primitive, err error) []Problem {
	errs := []error{err}
	if joined, ok := errors.Unwrap(err).(interface{ Unwrap() []error }); ok {
		errs = joined.Unwrap()
	}
	var table map[string]toml.Primitive
	if prim, ok := top["risk"]; ok {
		_ = md.PrimitiveDecode(prim, &table) // a non-table is reported already
	}
	probs := make([]Problem, 0, len(errs))
	for _, e := range errs {
		p := Problem{Msg: "[risk] " + e.Error()}
		name, _, _ := strings.Cut(e.Error(), " ")
		if prim, ok := table[name]; ok {
			p.Key, p.Line = "risk."+name, lineOf(md, prim)
		}
		probs = append(probs, p)
	}
	return probs
}

// keyAt is a key of a table and the line it is on.
type keyAt struct {
	name string
	line int
}

// sortedKeys returns the keys of table in file order (keys whose line is
// not known last, by name), so problems come out in a stable order.
func sortedKeys(md *toml.MetaData, table map[string]toml.Primitive) []keyAt {
	keys := make([]keyAt, 0, len(table))
	for name, prim := range table {
		keys = append(keys, keyAt{name, lineOf(md, prim)})
	}
	slices.SortFunc(keys, func(a, b keyAt) int {
		switch {
		case a.line == b.line:
			return strings.Compare(a.name, b.name)
		case a.line == 0:
			return 1
		case b.line == 0:
			return -1
		}
		return a.line - b.line
	})
	return keys
}

// lineOf returns the line of the key whose value p is, or 0 when the
// decoder does not tell (tables and arrays). The decoder keeps key positions
// to itself but puts them in the ParseError of a failed UnmarshalText, so a
// value that always refuses to unmarshal reveals them.
func lineOf(md *toml.MetaData, p toml.Primitive) int {
	var pe toml.ParseError
	if err := md.PrimitiveDecode(p, &lineProbe{}); errors.As(err, &pe) {
		return pe.Position.Line
	}
	return 0
}

type lineProbe struct{}

var errProbe = errors.New("line probe")

func (*lineProbe) UnmarshalText([]byte) error { return errProbe }

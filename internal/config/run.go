package config

import (
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/BurntSushi/toml"

	"github.com/thunes/thunes/internal/market"
	"github.com/thunes/thunes/internal/strategy"
)

// checkRun checks the tables `thunes run` reads, each problem naming its
// key (and line when the file sets it).
func (c *Config) checkRun(md *toml.MetaData, top map[string]toml.Primitive) []Problem {
	var probs []Problem
	bad := func(table, key, format string, args ...any) {
		p := Problem{Key: table + "." + key, Msg: table + "." + key + ": " + fmt.Sprintf(format, args...)}
		var t map[string]toml.Primitive
		if prim, ok := top[table]; ok && md.PrimitiveDecode(prim, &t) == nil {
			if v, ok := t[key]; ok {
				p.Line = lineOf(md, v)
			}
		}
		probs = append(probs, p)
	}
	s := &c.Strategy
	spec, err := strategy.Lookup(s.Name)
	if err != nil {
		bad("strategy", "name", "%v", err)
	} else if _, err := spec.Resolve(s.Params); err != nil {
		bad("strategy", "params", "%v", err)
	}
	if len(s.Symbols) == 0 {
		bad("strategy", "symbols", "name at least one symbol, such as [\"BTCUSDT\"]")
	}
	seen := map[string]bool{}
	for _, sym := range s.Symbols {
		if !validSymbol(sym) {
			bad("strategy", "symbols", "%q is not a symbol (upper-case letters and digits, such as BTCUSDT)", sym)
		} else if seen[sym] {
			bad("strategy", "symbols", "%s is listed twice", sym)
		}
		seen[sym] = true
	}
	if _, err := market.ParseInterval(s.Interval); err != nil {
		bad("strategy", "interval", "%v", err)
	}
	for _, u := range []struct{ key, val string }{{"rest_url", c.Binance.RestURL}, {"stream_url", c.Binance.StreamURL}, {"ws_api_url", c.Binance.WSAPIURL}} {
		if u.val == "" {
			continue
		}
		if err := checkURL(u.key, u.val); err != nil {
			bad("binance", u.key, "%v", err)
		}
	}
	if c.Live.Enabled {
		if strings.TrimSpace(c.Live.Account) == "" {
			bad("live", "account", "live trading needs the name of the account it may trade")
		}
		if !c.Live.MaxCapital.IsPos() {
			bad("live", "max_capital", "live trading needs the most capital it may trade, a positive amount")
		}
	}
	if c.Reconcile.Interval < 10*time.Second || c.Reconcile.Interval > 24*time.Hour {
		bad("reconcile", "interval", "%s is outside 10s to 24h", c.Reconcile.Interval)
	}
	if c.Reconcile.OnMismatch != "reducing" && c.Reconcile.OnMismatch != "halted" {
		bad("reconcile", "on_mismatch", "%q: want \"reducing\" or \"halted\"", c.Reconcile.OnMismatch)
	}
	if !c.Paper.Capital.IsPos() {
		bad("paper", "capital", "the starting balance must be positive")
	}
	return probs
}

func validSymbol(s string) bool {
	if len(s) < 2 || len(s) > 20 {
		return false
	}
	for _, r := range s {
		if !(r >= 'A' && r <= 'Z' || r >= '0' && r <= '9') {
			return false
		}
	}
	return true
}

// checkURL accepts an absolute http(s) URL for rest_url and ws(s) for the
// WebSocket URLs, without credentials in it.
func checkURL(key, s string) error {
	u, err := url.Parse(s)
	if err != nil {
		return fmt.Errorf("not a URL: %v", err)
	}
	want := []string{"https", "http"}
	if key != "rest_url" {
		want = []string{"wss", "ws"}
	}
	if u.Scheme != want[0] && u.Scheme != want[1] || u.Host == "" {
		return fmt.Errorf("want an absolute %s:// or %s:// URL", want[0], want[1])
	}
	if u.User != nil {
		return fmt.Errorf("a URL must not carry credentials")
	}
	return nil
}

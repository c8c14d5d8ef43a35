package config

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/thunes/thunes/internal/num"
	"github.com/thunes/thunes/internal/risk"
)

func TestGoodFiles(t *testing.T) {
	dec := func(s string) num.Decimal { return num.MustParse(s) }
	tests := []struct {
		file  string
		check func(t *testing.T, c risk.Config)
	}{
		{"full.good.toml", func(t *testing.T, c risk.Config) {
			// Every key is set to a value other than its default, so a key
			// the decoder skipped shows up here.
			def := reflect.ValueOf(risk.Defaults())
			got := reflect.ValueOf(c)
			for i := range got.NumField() {
				name := got.Type().Field(i).Tag.Get("toml")
				if fmt.Sprint(got.Field(i).Interface()) == fmt.Sprint(def.Field(i).Interface()) {
					t.Errorf("%s = %v, the default: not decoded", name, got.Field(i).Interface())
				}
			}
			if c.CoolDown != 90*time.Minute || c.DailyTimeZone != "Europe/Paris" || !c.RiskPerTradePct.Equal(dec("0.5")) {
				t.Errorf("%+v", c)
			}
		}},
		{"minimal.good.toml", func(t *testing.T, c risk.Config) {
			want := risk.Defaults()
			want.DailyLossPct = dec("2.5")
			if !reflect.DeepEqual(c, want) {
				t.Errorf("got %+v\nwant %+v", c, want)
			}
		}},
		{"norisk.good.toml", func(t *testing.T, c risk.Config) {
			if !reflect.DeepEqual(c, risk.Defaults()) {
				t.Errorf("got %+v, want the defaults", c)
			}
		}},
		{"numbers.good.toml", func(t *testing.T, c risk.Config) {
			if !c.DailyLossPct.Equal(dec("2")) || c.RiskPerTradePct.String() != "0.25" ||
				c.StopMinPct.String() != "1.125" || c.CorrelationThreshold != 1 {
				t.Errorf("%+v", c)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			c, err := Load(filepath.Join("testdata", tt.file))
			if err != nil {
				t.Fatal(err)
			}
			tt.check(t, c.Risk)
			// The effective configuration reads back to itself.
			back, err := Parse("effective", []byte(c.String()))
			if err != nil {
				t.Fatalf("String() does not read back: %v\n%s", err, c)
			}
			if back.String() != c.String() || !reflect.DeepEqual(back.Risk, c.Risk) {
				t.Fatalf("round trip changed the config:\n%s\n---\n%s", c, back)
			}
		})
	}
}

// wantRE matches the expectations a bad file states about itself:
// "# want LINE: TEXT" for a problem on that line, "# want: TEXT" for one
// with no line.
var wantRE = regexp.MustCompile(`(?m)^# want( \d+)?: (.+)$`)

func TestBadFiles(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "*.bad.toml"))
	if err != nil || len(files) < 5 {
		t.Fatalf("bad files: %v %v", files, err)
	}
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			raw, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			wants := wantRE.FindAllStringSubmatch(string(raw), -1)
			if len(wants) == 0 {
				t.Fatal("the file states no expected problem")
			}
			c, err := Load(file)
			var ce *Error
			if !errors.As(err, &ce) {
				t.Fatalf("got %v, %v; want an *Error", c, err)
			}
			if ce.Path != file || !strings.HasPrefix(err.Error(), "config file "+file+" is invalid:") {
				t.Errorf("the error does not name the file: %v", err)
			}
			for _, w := range wants {
				line := 0
				if w[1] != "" {
					line, _ = strconv.Atoi(strings.TrimSpace(w[1]))
				}
				found := false
				for _, p := range ce.Problems {
					if p.Line == line && strings.Contains(p.Msg, w[2]) {
						found = true
					}
				}
				if !found {
					t.Errorf("no problem on line %d saying %q in:\n%v", line, w[2], err)
				}
				loc := file + ": "
				if line > 0 {
					loc = fmt.Sprintf("%s:%d: ", file, line)
				}
				if !strings.Contains(err.Error(), "\n\t"+loc) {
					t.Errorf("the error does not locate %q at %q:\n%v", w[2], loc, err)
				}
			}
			if len(ce.Problems) != len(wants) {
				t.Errorf("%d problems, the file expects %d:\n%v", len(ce.Problems), len(wants), err)
			}
		})
	}
}

func TestLoadMissingFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "nope.toml")
	_, err := Load(path)
	var ce *Error
	if err == nil || errors.As(err, &ce) || !strings.Contains(err.Error(), path) {
		t.Fatalf("got %v, want a read error naming %s", err, path)
	}
}

// Keys are matched exactly: a key in another case is unknown, and cannot
// silently win over the real one.
func TestKeysAreCaseSensitive(t *testing.T) {
	_, err := Parse("x.toml", []byte("[risk]\ndaily_loss_pct = \"2\"\nDAILY_LOSS_PCT = \"50\"\n"))
	if err == nil || !strings.Contains(err.Error(), "x.toml:3: unknown key risk.DAILY_LOSS_PCT (did you mean risk.daily_loss_pct?)") {
		t.Fatalf("got %v", err)
	}
}

// Every field of risk.Config must be reachable from the file.
func TestEveryRiskFieldHasAKey(t *testing.T) {
	var c risk.Config
	if n, want := len(tomlFields(&c)), reflect.TypeOf(c).NumField(); n != want {
		t.Fatalf("%d of %d risk.Config fields have a toml tag", n, want)
	}
	for name, f := range tomlFields(&c) {
		if err := setField(f, struct{}{}); err == nil || strings.Contains(err.Error(), "cannot be configured") {
			t.Errorf("%s (%s): %v", name, f.Type(), err)
		}
	}
}

func TestDefaultIsValid(t *testing.T) {
	c := Default()
	if err := c.Risk.Validate(); err != nil {
		t.Fatal(err)
	}
	if s := c.String(); !strings.Contains(s, "[risk]") || !strings.Contains(s, `daily_loss_pct = "3"`) {
		t.Fatalf("String():\n%s", s)
	}
}

func FuzzParse(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "*.toml"))
	for _, file := range files {
		raw, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(raw)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := Parse("fuzz.toml", data)
		if err != nil {
			var ce *Error
			if !errors.As(err, &ce) || len(ce.Problems) == 0 {
				t.Fatalf("not an *Error listing problems: %v", err)
			}
			return
		}
		if err := c.Risk.Validate(); err != nil {
			t.Fatalf("accepted an invalid config: %v", err)
		}
		back, err := Parse("effective", []byte(c.String()))
		if err != nil || back.String() != c.String() {
			t.Fatalf("round trip: %v\n%s", err, c)
		}
	})
}

func TestRunTables(t *testing.T) {
	c, err := Load(filepath.Join("testdata", "run.good.toml"))
	if err != nil {
		t.Fatal(err)
	}
	want := Strategy{Name: "rsi-reversion", Symbols: []string{"BTCUSDT", "ETHUSDT"}, Interval: "5m", Params: map[string]float64{"period": 21, "oversold": 25.5}}
	if !reflect.DeepEqual(c.Strategy, want) {
		t.Errorf("strategy %+v", c.Strategy)
	}
	if c.Binance.WSAPIURL != "ws://127.0.0.1:9999/ws-api/v3" || !c.Live.Enabled || c.Live.Account != "main" || c.Live.MaxCapital.String() != "500" ||
		c.Reconcile.Interval != 2*time.Minute || c.Reconcile.OnMismatch != "reducing" || c.Store.DSN != "state.db" || !c.Paper.Capital.Equal(num.MustParse("2500.5")) {
		t.Errorf("%+v", c)
	}
	back, err := Parse("effective", []byte(c.String()))
	if err != nil || back.String() != c.String() || !reflect.DeepEqual(back.Strategy, c.Strategy) {
		t.Fatalf("round trip: %v\n%s", err, c)
	}
	// Bad parameters name the strategy's valid ones.
	_, err = Parse("p.toml", []byte("[strategy]\nname = \"grid\"\n[strategy.params]\nlevels = 0\n"))
	if err == nil || !strings.Contains(err.Error(), "strategy.params: grid: levels=0 is outside [1, 50], whole") {
		t.Fatalf("bad params: %v", err)
	}
}

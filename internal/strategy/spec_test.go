package strategy

import (
	"os"
	"slices"
	"strings"
	"testing"
)

func TestBuiltinsAreDeclaredSoundly(t *testing.T) {
	want := []string{"bollinger-breakout", "dca", "donchian-breakout", "ema-cross", "grid", "rsi-reversion"}
	if got := Names(); !slices.Equal(got, want) {
		t.Fatalf("built-ins %v, want %v", got, want)
	}
	for _, s := range Builtins() {
		if s.Summary == "" {
			t.Errorf("%s has no summary", s.Name)
		}
		seen := map[string]bool{}
		for _, p := range s.Params {
			if seen[p.Name] {
				t.Errorf("%s declares %s twice", s.Name, p.Name)
			}
			seen[p.Name] = true
			if p.Desc == "" {
				t.Errorf("%s.%s has no description", s.Name, p.Name)
			}
			if !(p.Min <= p.Max) {
				t.Errorf("%s.%s range %s is inverted", s.Name, p.Name, p.Range())
			}
			if err := p.Check(p.Default); err != nil {
				t.Errorf("%s default: %v", s.Name, err)
			}
		}
		// The defaults build.
		if _, err := s.New("BTCUSDT", nil); err != nil {
			t.Errorf("%s with defaults: %v", s.Name, err)
		}
	}
}

func TestBadParametersListWhatIsValid(t *testing.T) {
	cases := []struct {
		name   string
		params map[string]float64
		want   []string
	}{
		{"ema-cross", map[string]float64{"fats": 10}, []string{`unknown parameter "fats"`, "valid: fast [1, 1000] bars, whole", "slow"}},
		{"ema-cross", map[string]float64{"fast": 2.5}, []string{"fast=2.5 must be a whole number"}},
		{"ema-cross", map[string]float64{"fast": 0}, []string{"fast=0 is outside [1, 1000] bars"}},
		{"ema-cross", map[string]float64{"fast": 50, "slow": 20}, []string{"slow=20 must be greater than fast=50"}},
		{"rsi-reversion", map[string]float64{"oversold": 40, "exit": 35}, []string{"exit=35 must be above oversold=40"}},
		{"grid", map[string]float64{"levels": 40, "spacing": 3}, []string{"grid: levels=40 × spacing=3%"}},
		{"dca", map[string]float64{"every": 0, "amount": 99}, []string{"every=0 is outside", "amount=99 is outside [0.1, 25] %"}},
	}
	for _, c := range cases {
		_, err := New(c.name, "BTCUSDT", c.params)
		if err == nil {
			t.Errorf("%s %v: accepted", c.name, c.params)
			continue
		}
		for _, w := range c.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%s %v: error %q does not say %q", c.name, c.params, err, w)
			}
		}
	}
	_, err := New("ema_cross", "BTCUSDT", nil)
	if err == nil || !strings.Contains(err.Error(), `unknown strategy "ema_cross" (valid: bollinger-breakout, dca, donchian-breakout, ema-cross, grid, rsi-reversion)`) {
		t.Errorf("unknown strategy: %v", err)
	}
}

func TestValuesKeyFollowsDeclarationOrder(t *testing.T) {
	s, _ := Lookup("ema-cross")
	v, err := s.Resolve(map[string]float64{"slow": 120, "stop": 2.5})
	if err != nil {
		t.Fatal(err)
	}
	if got := v.Key(s.Params); got != "fast=50 slow=120 stop=2.5 risk=0.8" {
		t.Fatalf("key %q", got)
	}
}

// docs/strategies.md documents every built-in and every parameter.
func TestStrategiesAreDocumented(t *testing.T) {
	b, err := os.ReadFile("../../docs/strategies.md")
	if err != nil {
		t.Fatal(err)
	}
	doc := string(b)
	for _, s := range Builtins() {
		i := strings.Index(doc, "## "+s.Name+"\n")
		if i < 0 {
			t.Errorf("docs/strategies.md has no section ## %s", s.Name)
			continue
		}
		sec := doc[i+3:]
		if j := strings.Index(sec, "\n## "); j >= 0 {
			sec = sec[:j]
		}
		for _, p := range s.Params {
			if !strings.Contains(sec, "`"+p.Name+"`") {
				t.Errorf("docs/strategies.md, %s: parameter `%s` is not documented", s.Name, p.Name)
			}
		}
	}
}

func TestMultiRefusesMixedTimers(t *testing.T) {
	a, _ := New("dca", "BTCUSDT", map[string]float64{"every": 24})
	b, _ := New("dca", "ETHUSDT", map[string]float64{"every": 12})
	if _, err := NewMulti(a, b); err == nil || !strings.Contains(err.Error(), "cannot run together") {
		t.Fatalf("mixed timers: %v", err)
	}
	c, _ := New("ema-cross", "ETHUSDT", nil)
	m, err := NewMulti(a, c)
	if err != nil {
		t.Fatal(err)
	}
	if tm, ok := m.(Timer); !ok || tm.Every() != 24*3_600_000 || m.Name() != "dca+ema-cross" {
		t.Fatalf("multi of dca and ema-cross: timer %v, name %s", ok, m.Name())
	}
	m, _ = NewMulti(c)
	if _, ok := m.(Timer); ok {
		t.Fatal("a multi without timed parts asks for a timer")
	}
	if _, err := NewMulti(); err == nil {
		t.Fatal("an empty multi was accepted")
	}
}

package report

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/thunes/thunes/internal/backtest"
	"github.com/thunes/thunes/internal/feed"
	"github.com/thunes/thunes/internal/market"
)

// chromium returns the path of the Chromium binary. Without one it skips,
// except under CI=true, where the page test must run.
func chromium(tb testing.TB) string {
	tb.Helper()
	path, err := exec.LookPath("chromium")
	if err != nil {
		if os.Getenv("CI") == "true" {
			tb.Fatalf("chromium not found on PATH (.ci/run installs Debian's chromium package): %v", err)
		}
		tb.Skipf("chromium not found on PATH, so the report page is not checked in a browser (apt-get install chromium): %v", err)
	}
	return path
}

// renderedPage is what headless Chromium saw of a report page once its scripts ran.
type renderedPage struct {
	dom    string
	attrs  map[string]string // the body's attributes
	errors string            // the text of the page's error box
	log    string            // Chromium's log, console messages included
}

var (
	bodyTag   = regexp.MustCompile(`<body([^>]*)>`)
	attribute = regexp.MustCompile(`([a-z-]+)="([^"]*)"`)
	errorBox  = regexp.MustCompile(`(?s)<div id="errors"[^>]*>(.*?)</div>`)
)

// render opens the page at path in headless Chromium, with networking and
// background services off, and returns the DOM it dumps after the page's
// scripts have run.
func render(t *testing.T, path string) renderedPage {
	t.Helper()
	bin := chromium(t)
	profile, err := os.MkdirTemp("", "report-chromium-")
	if err != nil {
		t.Fatal(err)
	}
	// Chromium's helper processes may still be writing the profile when
	// the browser exits; a failed removal is no reason to fail the test.
	t.Cleanup(func() { os.RemoveAll(profile) })
	abs, err := filepath.Abs(path)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
		"--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--enable-logging=stderr", "--v=0", "--user-data-dir="+profile, "--dump-dom", "file://"+abs)
	cmd.Env = append(os.Environ(), "HOME="+profile)
	cmd.WaitDelay = 10 * time.Second
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("chromium %s: %v\n%s", path, err, stderr.String())
	}
	p := renderedPage{dom: stdout.String(), attrs: map[string]string{}, log: stderr.String()}
	m := bodyTag.FindStringSubmatch(p.dom)
	if m == nil {
		t.Fatalf("chromium dumped no body:\n%.2000s\n%s", p.dom, p.log)
	}
	for _, a := range attribute.FindAllStringSubmatch(m[1], -1) {
		p.attrs[a[1]] = a[2]
	}
	if e := errorBox.FindStringSubmatch(p.dom); e != nil {
		p.errors = strings.TrimSpace(e[1])
	}
	return p
}

// check fails t unless the page ran its scripts without an error and drew
// the given number of points in each chart (-1: at least one).
func (p renderedPage) check(t *testing.T, want map[string]int) {
	t.Helper()
	if p.attrs["data-status"] != "ok" || p.errors != "" {
		t.Fatalf("page status %q, errors %q\nlog:\n%s", p.attrs["data-status"], p.errors, p.log)
	}
	if strings.Contains(p.log, "Uncaught") {
		t.Fatalf("Chromium logged an uncaught error:\n%s", p.log)
	}
	for name, n := range want {
		attr := "data-" + name + "-points"
		got, err := strconv.Atoi(p.attrs[attr])
		if err != nil {
			t.Fatalf("page has no count of %s points (%s=%q)", name, attr, p.attrs[attr])
		}
		if (n < 0 && got < 1) || (n >= 0 && got != n) {
			t.Errorf("%s chart drew %d points, want %d", name, got, n)
		}
	}
}

// A year of minutes renders in a browser: every chart drawn, a marker at
// every entry and exit, and no script error.
func TestReportInChromium(t *testing.T) {
	chromium(t)
	res, bars := runBacktest(t, 525_600, 1)
	if len(res.Trades) == 0 {
		t.Fatal("the run made no trades")
	}
	dir := t.TempDir()
	if err := Write(dir, res, bars); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(filepath.Join(dir, HTMLFile))
	if err != nil {
		t.Fatal(err)
	}
	if fi.Size() > 1<<20 {
		t.Errorf("a year of minutes made a %d-byte page", fi.Size())
	}
	p := render(t, filepath.Join(dir, HTMLFile))
	curve := len(Curve(res.Curve))
	buckets := len(Buckets(bars, market.Minute1, MaxBuckets))
	if buckets < MaxBuckets*9/10 {
		t.Fatalf("a year of minutes in %d buckets", buckets)
	}
	p.check(t, map[string]int{"equity": curve, "drawdown": curve, "price": buckets, "markers": 2 * len(res.Trades)})
	if strings.Contains(p.dom, `id="no-trades"`) {
		t.Error("a run with trades says it has none")
	}
	for _, id := range []string{"equity-chart", "drawdown-chart", "price-chart"} {
		if !regexp.MustCompile(`id="` + id + `"><svg[^>]*>.*?<path`).MatchString(p.dom) {
			t.Errorf("%s has no drawn path", id)
		}
	}
	if !strings.Contains(p.dom, `<table class="months">`) || !strings.Contains(p.dom, "Sharpe") {
		t.Error("the monthly returns or metrics table is missing")
	}
}

// Pages with little in them still render: one bar and no trade, a hand-made
// result with nothing at all, and names written to break the page out of its
// script element.
func TestReportInChromiumEdgeCases(t *testing.T) {
	chromium(t)
	res, bars := runBacktest(t, 1, 1)
	if len(res.Trades) != 0 || len(bars) != 1 {
		t.Fatalf("%d trades on %d bars", len(res.Trades), len(bars))
	}
	holed, err := feed.Synthetic(feed.SyntheticConfig{Seed: 4, Bars: 40_000})
	if err != nil {
		t.Fatal(err)
	}
	holed = append(holed[:10_000], holed[30_000:]...)
	holedRes := runBars(t, holed)
	if holedRes.Gaps != 1 {
		t.Fatalf("%d gaps", holedRes.Gaps)
	}
	tampered, tbars := runBacktest(t, 20_000, 3)
	tampered.Symbol = `</script><script>document.body.setAttribute("data-status","pwned")</script>`
	tampered.Strategy = `<img src=x onerror="throw 1">`
	tests := []struct {
		name  string
		res   *backtest.Result
		bars  []market.Bar
		want  map[string]int
		texts []string
	}{
		{"one bar", res, bars, map[string]int{"equity": 2, "drawdown": 2, "price": 1, "markers": 0}, []string{"No trades"}},
		{"empty result", &backtest.Result{Strategy: "none"}, nil, map[string]int{"equity": 0, "drawdown": 0, "price": 0, "markers": 0},
			[]string{"No trades", "No equity points", "No price data", "too short for monthly returns"}},
		{"a gap", holedRes, holed, map[string]int{"equity": len(Curve(holedRes.Curve)), "drawdown": len(Curve(holedRes.Curve)),
			"price": len(Buckets(holed, market.Minute1, MaxBuckets)), "markers": 2 * len(holedRes.Trades)}, nil},
		{"tampered names", tampered, tbars, map[string]int{"equity": -1, "drawdown": -1, "price": -1, "markers": 2 * len(tampered.Trades)},
			[]string{"&lt;img src=x"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			if err := Write(dir, tt.res, tt.bars); err != nil {
				t.Fatal(err)
			}
			p := render(t, filepath.Join(dir, HTMLFile))
			p.check(t, tt.want)
			for _, s := range tt.texts {
				if !strings.Contains(p.dom, s) {
					t.Errorf("page does not say %q", s)
				}
			}
		})
	}
}

// The check itself: a page whose script fails is caught.
func TestChromiumCatchesScriptErrors(t *testing.T) {
	chromium(t)
	res, bars := runBacktest(t, 2000, 1)
	var buf bytes.Buffer
	if err := WriteHTML(&buf, res, bars); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name string
		edit func(string) string
	}{
		{"throws", func(s string) string {
			return strings.Replace(s, `var data = JSON.parse(`, `null.boom(); var data = JSON.parse(`, 1)
		}},
		{"syntax error", func(s string) string {
			return strings.Replace(s, `"use strict";`, `"use strict"; var = ;`, 1)
		}},
		{"bad data", func(s string) string {
			return regexp.MustCompile(`(?s)(id="report-data">).*?(</script>)`).ReplaceAllString(s, `${1}{"equity":[[1,${2}`)
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			broken := tt.edit(buf.String())
			if broken == buf.String() {
				t.Fatal("the edit changed nothing")
			}
			path := filepath.Join(t.TempDir(), HTMLFile)
			if err := os.WriteFile(path, []byte(broken), 0o644); err != nil {
				t.Fatal(err)
			}
			p := render(t, path)
			if p.attrs["data-status"] != "error" || !strings.Contains(p.errors, "Script error") {
				t.Fatalf("a broken page reports status %q, errors %q", p.attrs["data-status"], p.errors)
			}
			t.Logf("caught: %s", p.errors)
		})
	}
}

package main

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestProgressLine(t *testing.T) {
	tests := []struct {
		done, total int
		elapsed     time.Duration
		want        string
	}{
		{0, 530_000, 0, "[..............................]   0%  0/530000 bars  0s"},
		{165_000, 530_000, 1234 * time.Millisecond, "[#########.....................]  31%  165000/530000 bars  1.2s, 2.7s left"},
		{265_000, 530_000, 90 * time.Second, "[###############...............]  50%  265000/530000 bars  1m30s, 1m30s left"},
		{530_000, 530_000, 2 * time.Second, "[##############################] 100%  530000/530000 bars  2s"},
		{600, 500, time.Second, "[##############################] 100%  500/500 bars  1s"},
		{-5, 500, time.Second, "[..............................]   0%  0/500 bars  1s"},
		{0, 0, 0, "[##############################] 100%  0/0 bars  0s"},
	}
	for _, tt := range tests {
		if got := progressLine(tt.done, tt.total, tt.elapsed); got != tt.want {
			t.Errorf("progressLine(%d, %d, %v) = %q, want %q", tt.done, tt.total, tt.elapsed, got, tt.want)
		}
	}
}

// The bar redraws at most every progressEvery, always draws the first and
// the last update, and erases itself once.
func TestProgressBarThrottles(t *testing.T) {
	var out bytes.Buffer
	now := time.Unix(0, 0)
	p := newProgressBar(&out, func() time.Time { return now })
	p.clear()
	if out.Len() != 0 {
		t.Fatalf("clear before any update wrote %q", out.String())
	}
	p.update(1, 10) // drawn: the first
	now = now.Add(50 * time.Millisecond)
	p.update(2, 10) // too soon
	now = now.Add(50 * time.Millisecond)
	p.update(3, 10) // drawn: 100 ms after the first
	now = now.Add(10 * time.Millisecond)
	p.update(10, 10) // drawn: the last
	p.clear()
	p.clear()
	got := strings.Split(out.String(), "\r")[1:]
	if len(got) != 4 || !strings.Contains(got[0], " 1/10 ") || !strings.Contains(got[1], " 3/10 ") ||
		!strings.Contains(got[2], " 10/10 ") || got[3] != "\x1b[K" {
		t.Fatalf("drawn %q", got)
	}
}

func TestIsTerminal(t *testing.T) {
	f, err := os.Create(filepath.Join(t.TempDir(), "out"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	defer w.Close()
	null, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer null.Close()
	for name, out := range map[string]io.Writer{"file": f, "pipe": w, "null device": null, "buffer": &bytes.Buffer{}} {
		if isTerminal(out) {
			t.Errorf("%s taken for a terminal", name)
		}
	}
	// A pseudo-terminal is one, where the system has them.
	pty, err := os.OpenFile("/dev/ptmx", os.O_RDWR, 0)
	if err != nil {
		t.Logf("no pseudo-terminal to check the positive case: %v", err)
		return
	}
	defer pty.Close()
	if !isTerminal(pty) {
		t.Error("a pseudo-terminal is not taken for a terminal")
	}
}

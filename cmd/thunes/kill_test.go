package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/thunes/thunes/internal/risk"
)

// runAs calls run as the binary would for the user named user ("" for none)
// and returns stdout, stderr and the error.
func runAs(t *testing.T, user string, args ...string) (string, string, error) {
	t.Helper()
	getenv := func(k string) string {
		if k == "USER" {
			return user
		}
		return ""
	}
	var out, errOut bytes.Buffer
	err := run(context.Background(), append([]string{"thunes"}, args...), getenv, strings.NewReader(""), &out, &errOut)
	return out.String(), errOut.String(), err
}

// mustRunAs is runAs that fails the test on an error.
func mustRunAs(t *testing.T, user string, args ...string) string {
	t.Helper()
	out, errOut, err := runAs(t, user, args...)
	if err != nil {
		t.Fatalf("kill %v: %v\n%s", args, err, errOut)
	}
	return out
}

// killStatusJSON runs kill --status --json and decodes its one object.
func killStatusJSON(t *testing.T, dir string) killStatus {
	t.Helper()
	out := mustRunAs(t, "", "kill", "--data", dir, "--status", "--json")
	var s killStatus
	dec := json.NewDecoder(strings.NewReader(out))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&s); err != nil || dec.More() {
		t.Fatalf("not one JSON object: %v\n%s", err, out)
	}
	return s
}

// engineSees opens the kill-switch as the engine does at start.
func engineSees(t *testing.T, dir string) (*risk.KillSwitch, error) {
	t.Helper()
	return risk.OpenKillSwitch(risk.FileStore{Path: filepath.Join(dir, killSwitchFile)}, risk.Discard{}, time.Now().UnixMilli())
}

func TestKillTripStatusReset(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")

	// Nothing stored: OFF, and asking does not create the directory.
	if out := mustRunAs(t, "alice", "kill", "--data", dir, "--status"); out != "kill-switch: OFF (never tripped)\n" {
		t.Fatalf("status before any trip: %q", out)
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Fatalf("--status created %s: %v", dir, err)
	}

	before := time.Now().Truncate(time.Second)
	out := mustRunAs(t, "alice", "kill", "--data", dir, "--reason", "venue acting up")
	if !strings.HasPrefix(out, "kill-switch: ON, tripped by alice at ") || !strings.HasSuffix(out, ": venue acting up\n") {
		t.Fatalf("trip: %q", out)
	}
	if fi, err := os.Stat(dir); err != nil || !fi.IsDir() || fi.Mode().Perm()&^0o750 != 0 {
		t.Fatalf("data directory: %v %v", fi, err)
	}

	// A later invocation, and the engine starting up, both see it on.
	out = mustRunAs(t, "", "kill", "--data", dir, "--status")
	at, rest, ok := strings.Cut(strings.TrimPrefix(out, "kill-switch: ON, tripped by alice at "), ": ")
	if !ok || rest != "venue acting up\n" {
		t.Fatalf("status: %q", out)
	}
	when, err := time.Parse(time.RFC3339, at)
	if err != nil || !strings.HasSuffix(at, "Z") || when.Before(before) || when.After(time.Now()) {
		t.Fatalf("trip time %q: %v", at, err)
	}
	s := killStatusJSON(t, dir)
	if !s.Tripped || s.By != "alice" || s.Reason != "venue acting up" || s.Cause != risk.CauseManual ||
		s.Time != at || s.At/1000 != when.Unix() || s.Error != "" ||
		s.File != filepath.Join(dir, killSwitchFile) {
		t.Fatalf("status --json: %+v", s)
	}
	if k, err := engineSees(t, dir); err != nil || !k.Tripped() {
		t.Fatalf("the engine would trade: %v", err)
	}

	// Tripping again keeps it on and records the new trip.
	out = mustRunAs(t, "bob", "kill", "--data", dir, "--reason", "still bad", "--by", "bob-oncall")
	if !strings.HasPrefix(out, "kill-switch: ON, tripped by bob-oncall at ") ||
		!strings.Contains(out, "\nit was already on: tripped by alice at "+at+": venue acting up\n") {
		t.Fatalf("second trip: %q", out)
	}
	if s := killStatusJSON(t, dir); !s.Tripped || s.By != "bob-oncall" || s.Reason != "still bad" {
		t.Fatalf("after the second trip: %+v", s)
	}

	// Reset, by $USER, else "operator".
	out = mustRunAs(t, "", "kill", "--data", dir, "--reset", "--reason", "venue fixed")
	if !strings.HasPrefix(out, "kill-switch: OFF, reset by operator at ") || !strings.HasSuffix(out, ": venue fixed\n") {
		t.Fatalf("reset: %q", out)
	}
	if out := mustRunAs(t, "", "kill", "--data", dir, "--status"); !strings.HasPrefix(out, "kill-switch: OFF, reset by operator") {
		t.Fatalf("status after reset: %q", out)
	}
	if s := killStatusJSON(t, dir); s.Tripped || s.By != "operator" || s.Reason != "venue fixed" {
		t.Fatalf("status --json after reset: %+v", s)
	}
	if k, err := engineSees(t, dir); err != nil || k.Tripped() {
		t.Fatalf("the engine would not trade after the reset: %v", err)
	}

	// Resetting an OFF switch is refused and changes nothing.
	raw, _ := os.ReadFile(filepath.Join(dir, killSwitchFile))
	if _, _, err := runAs(t, "carol", "kill", "--data", dir, "--reset", "--reason", "again"); err == nil ||
		isUsage(err) || !strings.Contains(err.Error(), "already OFF") {
		t.Fatalf("second reset: %v", err)
	}
	if now, _ := os.ReadFile(filepath.Join(dir, killSwitchFile)); !bytes.Equal(raw, now) {
		t.Fatal("a refused reset changed the file")
	}
}

func TestKillBadFlags(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		args []string
		want string
	}{
		{[]string{}, "--reason is required to trip"},
		{[]string{"--reason", "  "}, "--reason is required to trip"},
		{[]string{"--reset"}, "--reason is required to reset"},
		{[]string{"--reset", "--status"}, "not both"},
		{[]string{"--status", "--reason", "x"}, "takes no --reason"},
		{[]string{"--status", "--by", "x"}, "takes no --by"},
		{[]string{"--reason", "x", "--json"}, "--json goes with --status"},
		{[]string{"--reason", "two\nlines"}, "one line"},
		{[]string{"--reason", "x", "--by", ""}, "--by"},
		{[]string{"--reason", "x", "now"}, "unexpected argument"},
		{[]string{"--force"}, "force"},
	}
	for _, tt := range tests {
		_, _, err := runAs(t, "alice", append([]string{"kill", "--data", dir}, tt.args...)...)
		if err == nil || !isUsage(err) || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("kill %q: err %v, want a usage error mentioning %q", tt.args, err, tt.want)
		}
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Fatalf("bad command lines wrote %v", entries)
	}
	out, _, err := runAs(t, "", "kill", "--help")
	if err != nil || !strings.Contains(out, "usage: thunes kill") || !strings.Contains(out, "--reason") {
		t.Fatalf("kill --help: %q %v", out, err)
	}
}

func TestKillCorruptFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, killSwitchFile)
	corrupt := []byte(`{"version": 1, "tripped": fals`)
	if err := os.WriteFile(path, corrupt, 0o600); err != nil {
		t.Fatal(err)
	}

	// Status fails closed: ON, with the reason on stderr.
	out, errOut, err := runAs(t, "alice", "kill", "--data", dir, "--status")
	if err != nil || !strings.HasPrefix(out, "kill-switch: ON, tripped by "+risk.ByRisk+" at ") ||
		!strings.Contains(errOut, "corrupt") || !strings.Contains(errOut, path) {
		t.Fatalf("status: %v\nstdout %q\nstderr %q", err, out, errOut)
	}
	if s := killStatusJSON(t, dir); !s.Tripped || s.Cause != risk.CauseUnreadable || !strings.Contains(s.Error, "corrupt") {
		t.Fatalf("status --json: %+v", s)
	}

	// Tripping refuses to write over it.
	_, _, err = runAs(t, "alice", "kill", "--data", dir, "--reason", "x")
	if err == nil || isUsage(err) || !strings.Contains(err.Error(), "cannot be read") || !strings.Contains(err.Error(), path) {
		t.Fatalf("trip over a corrupt file: %v", err)
	}
	if raw, _ := os.ReadFile(path); !bytes.Equal(raw, corrupt) {
		t.Fatal("a refused trip changed the file")
	}

	// A reset replaces it, and says so.
	out = mustRunAs(t, "alice", "kill", "--data", dir, "--reset", "--reason", "file restored by hand")
	if !strings.Contains(out, "replaced the unreadable kill-switch file") || !strings.Contains(out, "kill-switch: OFF, reset by alice") {
		t.Fatalf("reset: %q", out)
	}
	if k, err := engineSees(t, dir); err != nil || k.Tripped() {
		t.Fatalf("after the reset: %v", err)
	}
}

// A data directory that cannot be created is an error naming it, not a trip
// that only seems to happen.
func TestKillUnwritableData(t *testing.T) {
	file := filepath.Join(t.TempDir(), "plain-file")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	_, _, err := runAs(t, "alice", "kill", "--data", file, "--reason", "x")
	if err == nil || isUsage(err) || !strings.Contains(err.Error(), file) {
		t.Fatalf("got %v", err)
	}
	// Status cannot read it either, so it fails closed.
	out, errOut, err := runAs(t, "alice", "kill", "--data", file, "--status")
	if err != nil || !strings.HasPrefix(out, "kill-switch: ON") || errOut == "" {
		t.Fatalf("status: %v %q %q", err, out, errOut)
	}
}

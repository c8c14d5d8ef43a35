package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"
	"unicode"

	"github.com/thunes/thunes/internal/risk"
)

// killSwitchFile is the kill-switch's state file inside the data directory.
const killSwitchFile = "killswitch.json"

// killStatus is the JSON form of 'thunes kill --status --json'; its field
// names are part of the CLI's contract.
type killStatus struct {
	risk.KillSwitchState
	// Time is At in RFC 3339, UTC; empty when the switch never changed.
	Time string `json:"time,omitempty"`
	// File is the state file read, or the database.
	File string `json:"file"`
	// Error says why the file could not be read; the switch then counts as
	// tripped.
	Error string `json:"error,omitempty"`
}

// runKill trips, resets or shows the kill-switch kept in DIR/killswitch.json,
// the file the engine reads at start. Tripping and resetting write the file;
// the switch stays as written across restarts.
func runKill(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "kill", "kill [--data DIR] (--reason TEXT | --reset --reason TEXT | --status [--json]) [--by NAME]")
	data := fs.String("data", "./data", "directory of the kill-switch file "+killSwitchFile+" (created if missing)")
	reason := fs.String("reason", "", "why the kill-switch is tripped or reset (required for both)")
	by := fs.String("by", "", `who trips or resets it (default: $USER, else "operator")`)
	reset := fs.Bool("reset", false, "switch trading back on instead of tripping")
	status := fs.Bool("status", false, "show whether the kill-switch is on, who changed it, when and why")
	asJSON := fs.Bool("json", false, "with --status, print the state as one JSON object")
	db := fs.String("db", "", "keep the kill-switch in this database (SQLite path or postgres:// DSN) instead of --data's file; changes are journaled")
	key := fs.String("key", "", "with --db: the journal's checkpoint key file (default: "+journalKeyFile+" beside a SQLite file)")
	if err := parseFlags(e, fs, args); err != nil {
		return helpOK(err)
	}
	if fs.NArg() > 0 {
		return usagef("kill: unexpected argument %q", fs.Arg(0))
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	if set["db"] && set["data"] {
		return usagef("kill: give one of --data and --db, not both")
	}
	if set["key"] && !set["db"] {
		return usagef("kill: --key goes with --db")
	}
	path := filepath.Join(*data, killSwitchFile)
	var store risk.KillSwitchStore = risk.FileStore{Path: path}
	now := time.Now()
	if set["db"] {
		s, err := (dbFlags{db: db, key: key}).openSigning(ctx, e.stderr)
		if err != nil {
			return fmt.Errorf("kill: %w", err)
		}
		defer s.Close()
		store, path = s.KillSwitchStore(ctx), s.String()
	}

	if *status {
		if *reset {
			return usagef("kill: give one of --status and --reset, not both")
		}
		for _, name := range []string{"reason", "by"} {
			if set[name] {
				return usagef("kill: --status changes nothing and takes no --%s", name)
			}
		}
		return killShow(e, store, path, now, *asJSON)
	}
	if *asJSON {
		return usagef("kill: --json goes with --status")
	}
	action := "trip"
	if *reset {
		action = "reset"
	}
	if strings.TrimSpace(*reason) == "" {
		return usagef("kill: --reason is required to %s the kill-switch", action)
	}
	if !oneLine(*reason) {
		return usagef("kill: --reason must be one line of printable text")
	}
	who := *by
	if !set["by"] {
		if who = e.getenv("USER"); who == "" {
			who = "operator"
		}
	}
	if strings.TrimSpace(who) == "" || !oneLine(who) {
		return usagef("kill: --by must name who acts, on one line")
	}
	if !set["db"] {
		if err := os.MkdirAll(*data, 0o750); err != nil {
			return fmt.Errorf("kill: %w", err)
		}
	}
	if *reset {
		return killReset(e, store, who, *reason, now)
	}
	return killTrip(e, store, who, *reason, now)
}

// killTrip writes a tripped state. A switch that is already on stays on and
// the file records this trip: who, when and why the switch was last
// confirmed off. It refuses to replace a file it cannot read, which already
// counts as tripped, so that a person looks at it.
func killTrip(e *env, store risk.KillSwitchStore, by, reason string, now time.Time) error {
	prev, _, err := store.Load()
	if err != nil {
		return fmt.Errorf("kill: refusing to write over a file that cannot be read: %w (the kill-switch already "+
			"counts as ON; inspect the file, then fix or remove it, or replace it with 'thunes kill --reset')", err)
	}
	next := risk.KillSwitchState{Tripped: true, By: by, Reason: reason, Cause: risk.CauseManual, At: now.UnixMilli()}
	if err := store.Save(next); err != nil {
		if prev.Tripped {
			return fmt.Errorf("kill: the kill-switch stays ON, but this trip was not recorded: %w", err)
		}
		return fmt.Errorf("kill: the kill-switch is NOT on: %w", err)
	}
	fmt.Fprintln(e.stdout, describeKill(next))
	if prev.Tripped {
		fmt.Fprintf(e.stdout, "it was already on: %s\n", strings.TrimPrefix(describeKill(prev), "kill-switch: ON, "))
	}
	return nil
}

// killReset switches trading back on. A file that cannot be read counts as
// tripped; the reset replaces it, since a person asked for exactly that.
func killReset(e *env, store risk.KillSwitchStore, by, reason string, now time.Time) error {
	k, openErr := risk.OpenKillSwitch(store, risk.Discard{}, now.UnixMilli())
	if !k.Tripped() {
		return fmt.Errorf("kill: the kill-switch is already OFF; nothing to reset")
	}
	if err := k.Reset(by, reason, now.UnixMilli()); err != nil {
		return fmt.Errorf("kill: %w", err)
	}
	if openErr != nil {
		fmt.Fprintf(e.stdout, "replaced the unreadable kill-switch file, as this reset asks: %v\n", openErr)
	}
	fmt.Fprintln(e.stdout, describeKill(k.Status()))
	return nil
}

// killShow prints the kill-switch's state. A file that cannot be read shows
// as ON, as the engine would treat it, and the reason goes to stderr.
func killShow(e *env, store risk.KillSwitchStore, path string, now time.Time, asJSON bool) error {
	k, openErr := risk.OpenKillSwitch(store, risk.Discard{}, now.UnixMilli())
	s := k.Status()
	if openErr != nil {
		fmt.Fprintf(e.stderr, "thunes: kill: %v\n", openErr)
	}
	if asJSON {
		out := killStatus{KillSwitchState: s, File: path}
		if s.At != 0 {
			out.Time = rfc3339(s.At)
		}
		if openErr != nil {
			out.Error = openErr.Error()
		}
		return json.NewEncoder(e.stdout).Encode(out)
	}
	fmt.Fprintln(e.stdout, describeKill(s))
	return nil
}

// describeKill is the one-line summary of a kill-switch state.
func describeKill(s risk.KillSwitchState) string {
	switch {
	case s.Tripped:
		return fmt.Sprintf("kill-switch: ON, tripped by %s at %s: %s", s.By, rfc3339(s.At), s.Reason)
	case s.At == 0 && s.By == "":
		return "kill-switch: OFF (never tripped)"
	default:
		return fmt.Sprintf("kill-switch: OFF, reset by %s at %s: %s", s.By, rfc3339(s.At), s.Reason)
	}
}

func rfc3339(ms int64) string { return time.UnixMilli(ms).UTC().Format(time.RFC3339) }

// oneLine reports whether s has no control characters, so it prints on one
// line of the status.
func oneLine(s string) bool {
	return !strings.ContainsFunc(s, unicode.IsControl)
}

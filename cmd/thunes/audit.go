package main

import (
	"bufio"
	"context"

	"fmt"
	"os"
	"path/filepath"

	"github.com/thunes/thunes/internal/journal"
	"github.com/thunes/thunes/internal/paper"
)

// runAudit is 'thunes audit verify|export|replay'.
func runAudit(ctx context.Context, e *env, args []string) error {
	if len(args) == 0 {
		return usagef("audit: give a subcommand: verify, export or replay")
	}
	switch args[0] {
	case "verify":
		return auditVerify(ctx, e, args[1:])
	case "export":
		return auditExport(ctx, e, args[1:])
	case "replay":
		return auditReplay(ctx, e, args[1:])
	case "-h", "--help", "help":
		fmt.Fprintln(e.stdout, "usage: thunes audit verify|export|replay [--db DSN] (see 'thunes audit verify --help')")
		return nil
	}
	return usagef("audit: unknown subcommand %q (want verify, export or replay)", args[0])
}

func auditVerify(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "audit verify", "audit verify [--db DSN] [--key FILE] [--every N] [--chain-only] [--file EXPORT]")
	dbf := addDBFlags(fs)
	every := fs.Int64("every", journal.DefaultCheckpointEvery, "records between two checkpoints, as the journal was written with")
	chainOnly := fs.Bool("chain-only", false, "check the hash chain without the signed checkpoints (no key needed)")
	file := fs.String("file", "", "verify this export (JSON Lines) instead of the database")
	if err := parseFlags(e, fs, args); err != nil {
		return helpOK(err)
	}
	if fs.NArg() > 0 {
		return usagef("audit verify: unexpected argument %q", fs.Arg(0))
	}
	if *file != "" {
		f, err := os.Open(*file)
		if err != nil {
			return fmt.Errorf("audit verify: %w", err)
		}
		defer f.Close()
		rep, err := journal.VerifyExport(bufio.NewReader(f))
		if err != nil {
			return fmt.Errorf("audit verify %s: %w", *file, err)
		}
		if err := rep.Err(); err != nil {
			return fmt.Errorf("audit verify %s: %w", *file, err)
		}
		fmt.Fprintf(e.stdout, "export OK: %d records, last %d, hash %s\n", rep.Records, rep.Last, rep.LastHash)
		return nil
	}
	var pub []byte
	if !*chainOnly {
		k, err := dbf.publicKey()
		if err != nil {
			return fmt.Errorf("audit verify: %w", err)
		}
		pub = k
	}
	s, _, err := dbf.open(ctx, false, false)
	if err != nil {
		return fmt.Errorf("audit verify: %w", err)
	}
	defer s.Close()
	rep, err := journal.Verify(ctx, s.DB(), pub, *every)
	if err != nil {
		return fmt.Errorf("audit verify %s: %w", s, err)
	}
	if err := rep.Err(); err != nil {
		return fmt.Errorf("audit verify %s: %w", s, err)
	}
	fmt.Fprintf(e.stdout, "journal OK: %d records, %d checkpoints verified, last record %d hash %s\n", rep.Records, rep.Checkpoints, rep.Last, rep.LastHash)
	return nil
}

func auditExport(ctx context.Context, e *env, args []string) (err error) {
	fs := newFlagSet(e, "audit export", "audit export [--db DSN] [--from SEQ] [--to SEQ] [--out FILE]")
	dbf := addDBFlags(fs)
	from := fs.Int64("from", 0, "first record (seq) to export; 0 is the first")
	to := fs.Int64("to", 0, "last record (seq) to export; 0 is the last")
	out := fs.String("out", "", "file to write (default: standard output)")
	if err := parseFlags(e, fs, args); err != nil {
		return helpOK(err)
	}
	if fs.NArg() > 0 {
		return usagef("audit export: unexpected argument %q", fs.Arg(0))
	}
	if *from < 0 || *to < 0 || (*to != 0 && *to < *from) {
		return usagef("audit export: --from %d --to %d is not a range of records", *from, *to)
	}
	s, _, err := dbf.open(ctx, false, false)
	if err != nil {
		return fmt.Errorf("audit export: %w", err)
	}
	defer s.Close()
	w := e.stdout
	if *out != "" {
		tmp, err := os.CreateTemp(filepath.Dir(*out), "."+filepath.Base(*out)+".*")
		if err != nil {
			return fmt.Errorf("audit export: %w", err)
		}
		defer func() {
			if err == nil {
				err = tmp.Sync()
			}
			if cerr := tmp.Close(); err == nil {
				err = cerr
			}
			if err == nil {
				err = os.Rename(tmp.Name(), *out)
			}
			if err != nil {
				os.Remove(tmp.Name())
			}
		}()
		w = tmp
	}
	n, err := journal.Export(ctx, s.DB(), w, *from, *to)
	if err != nil {
		return fmt.Errorf("audit export %s: %w", s, err)
	}
	if *out != "" {
		fmt.Fprintf(e.stderr, "exported %d records to %s\n", n, *out)
	}
	return nil
}

func auditReplay(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "audit replay", "audit replay [--db DSN]")
	dbf := addDBFlags(fs)
	if err := parseFlags(e, fs, args); err != nil {
		return helpOK(err)
	}
	if fs.NArg() > 0 {
		return usagef("audit replay: unexpected argument %q", fs.Arg(0))
	}
	s, _, err := dbf.open(ctx, false, false)
	if err != nil {
		return fmt.Errorf("audit replay: %w", err)
	}
	defer s.Close()
	rep, err := paper.Replay(ctx, s)
	if err != nil {
		return fmt.Errorf("audit replay %s: %w", s, err)
	}
	for _, d := range rep.Diffs {
		fmt.Fprintln(e.stdout, d)
	}
	if len(rep.Diffs) > 0 {
		return fmt.Errorf("audit replay %s: %d differences between the journal and the store", s, len(rep.Diffs))
	}
	fmt.Fprintf(e.stdout, "replay OK: %d runs, %d fills; balances and positions match the store\n", rep.Runs, rep.Fills)
	return nil
}

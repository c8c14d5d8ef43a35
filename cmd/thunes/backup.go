package main

import (
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/thunes/thunes/internal/journal"
	"github.com/thunes/thunes/internal/store"
)

// backupPrefix starts the names of the backups --dir writes; their UTC
// timestamps make them sort oldest first.
const backupPrefix = "thunes-"

// runBackup is 'thunes backup': an online, consistent copy of the database,
// checked after it is written.
func runBackup(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "backup", "backup [--db DSN] (--out FILE | --dir DIR [--keep N])")
	dbf := addDBFlags(fs)
	out := fs.String("out", "", "backup file to write (must not exist)")
	dir := fs.String("dir", "", "directory for timestamped backups, as a schedule (cron, systemd timer) writes them")
	keep := fs.Int("keep", 0, "with --dir: keep the newest N backups and remove older ones (0 keeps all)")
	if err := parseFlags(e, fs, args); err != nil {
		return helpOK(err)
	}
	if fs.NArg() > 0 {
		return usagef("backup: unexpected argument %q", fs.Arg(0))
	}
	if (*out == "") == (*dir == "") {
		return usagef("backup: give one of --out FILE and --dir DIR")
	}
	if *keep < 0 || (*keep > 0 && *dir == "") {
		return usagef("backup: --keep N (N ≥ 0) goes with --dir")
	}
	s, _, err := dbf.open(ctx, false, false)
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	defer s.Close()
	path := *out
	if *dir != "" {
		if err := os.MkdirAll(*dir, 0o750); err != nil {
			return fmt.Errorf("backup: %w", err)
		}
		ext := ".db"
		if s.Kind() == store.Postgres {
			ext = ".pgdump"
		}
		path = filepath.Join(*dir, backupPrefix+time.Now().UTC().Format("20060102T150405.000Z")+ext)
	}
	if err := s.Backup(ctx, path); err != nil {
		return err
	}
	if s.Kind() == store.SQLite {
		rep, err := verifyFile(ctx, dbf, path)
		if err != nil {
			return fmt.Errorf("backup %s was written but does not verify: %w", path, err)
		}
		fmt.Fprintf(e.stdout, "backup %s: %d journal records, verified\n", path, rep.Records)
	} else {
		fmt.Fprintf(e.stdout, "backup %s: written with pg_dump\n", path)
	}
	if *dir != "" {
		removed, err := store.Prune(*dir, backupPrefix, *keep)
		for _, r := range removed {
			fmt.Fprintf(e.stdout, "removed old backup %s\n", r)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// verifyFile opens a SQLite file read-only and verifies its journal, with
// the checkpoints when the key file is there.
func verifyFile(ctx context.Context, dbf dbFlags, path string) (*journal.Report, error) {
	b, err := store.Open(ctx, path, store.Options{ReadOnly: true})
	if err != nil {
		return nil, err
	}
	defer b.Close()
	return verifyStore(ctx, dbf, b)
}

func verifyStore(ctx context.Context, dbf dbFlags, s *store.Store) (*journal.Report, error) {
	var pub ed25519.PublicKey
	if k, err := journal.LoadKey(dbf.keyPath()); err == nil {
		pub = k.Public().(ed25519.PublicKey)
	} else if !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	rep, err := journal.Verify(ctx, s.DB(), pub, journal.DefaultCheckpointEvery)
	if err != nil {
		return nil, err
	}
	return rep, rep.Err()
}

// runRestore is 'thunes restore': replace the database by a backup. It
// refuses to replace a database that holds anything without --force, and
// verifies the journal before (SQLite) and after restoring.
func runRestore(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "restore", "restore [--db DSN] --from FILE [--force]")
	dbf := addDBFlags(fs)
	from := fs.String("from", "", "backup file written by 'thunes backup' (required)")
	force := fs.Bool("force", false, "replace a database that already holds runs or journal records")
	if err := parseFlags(e, fs, args); err != nil {
		return helpOK(err)
	}
	if fs.NArg() > 0 {
		return usagef("restore: unexpected argument %q", fs.Arg(0))
	}
	if *from == "" {
		return usagef("restore: --from FILE is required")
	}
	if _, err := os.Stat(*from); err != nil {
		return fmt.Errorf("restore: backup %w", err)
	}
	pg := store.IsPostgresDSN(*dbf.db)
	if !pg {
		// The backup must verify before anything is written.
		if _, err := verifyFile(ctx, dbf, *from); err != nil {
			return fmt.Errorf("restore: backup %s is not sound, nothing was restored: %w", *from, err)
		}
	}
	if err := checkTarget(ctx, dbf, *force); err != nil {
		return err
	}
	if pg {
		if err := store.RestorePostgres(ctx, *dbf.db, *from); err != nil {
			return err
		}
	} else if err := store.RestoreSQLite(*from, *dbf.db); err != nil {
		return err
	}
	s, err := dbf.openSigning(ctx, e.stderr)
	if err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	defer s.Close()
	rep, err := verifyStore(ctx, dbf, s)
	if err != nil {
		return fmt.Errorf("restore: the restored journal does not verify: %w", err)
	}
	who := e.getenv("USER")
	if who == "" {
		who = "operator"
	}
	if err := s.Update(ctx, func(tx *store.Tx) error {
		_, err := tx.Journal(journal.Entry{Time: time.Now().UnixMilli(), Actor: who, Kind: journal.KindBackupRestored,
			Data: map[string]any{"from": filepath.Base(*from), "records": rep.Records, "last_hash": rep.LastHash}})
		return err
	}); err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	fmt.Fprintf(e.stdout, "restored %s from %s: %d journal records, verified\n", s, *from, rep.Records)
	return nil
}

// checkTarget refuses to replace a database that holds anything, or that
// cannot be read, unless force is set.
func checkTarget(ctx context.Context, dbf dbFlags, force bool) error {
	if force {
		return nil
	}
	if !store.IsPostgresDSN(*dbf.db) {
		if _, err := os.Stat(*dbf.db); errors.Is(err, fs.ErrNotExist) {
			return nil
		}
	}
	s, _, err := dbf.open(ctx, false, false)
	if err != nil {
		return fmt.Errorf("restore: the database to replace cannot be read (%w); give --force to replace it anyway", err)
	}
	defer s.Close()
	empty, err := s.Empty(ctx)
	if err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	if !empty {
		return fmt.Errorf("restore: %s already holds runs or journal records; give --force to replace them", s)
	}
	return nil
}

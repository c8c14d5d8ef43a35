package store

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
)

// Backup writes a consistent copy of the database to out, which must not
// exist, while the database stays in use: SQLite with VACUUM INTO (one
// read transaction, so one point in time), PostgreSQL with pg_dump's
// custom format (one snapshot). The copy is written beside out and renamed
// into place once complete and synced, so out is never half a backup.
func (s *Store) Backup(ctx context.Context, out string) error {
	if _, err := os.Stat(out); err == nil {
		return fmt.Errorf("backup: %s already exists; not overwriting it", out)
	}
	tmp := filepath.Join(filepath.Dir(out), "."+filepath.Base(out)+".partial")
	os.Remove(tmp)
	defer os.Remove(tmp)
	switch s.kind {
	case SQLite:
		if _, err := s.db.ExecContext(ctx, `VACUUM INTO $1`, tmp); err != nil {
			return fmt.Errorf("backup %s: %w", s.where, err)
		}
	case Postgres:
		args, err := pgToolArgs(s.dsn)
		if err != nil {
			return err
		}
		cmd := exec.CommandContext(ctx, pgTool("pg_dump"), append([]string{"--format=custom", "--no-owner", "--file=" + tmp}, args.dump...)...)
		cmd.Env = append(os.Environ(), args.env...)
		if out, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("backup %s: pg_dump: %v: %s", s.where, err, strings.TrimSpace(scrubString(string(out), args.password)))
		}
	}
	if err := syncFile(tmp); err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	if err := os.Rename(tmp, out); err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	return syncDir(filepath.Dir(out))
}

// Empty reports whether the database holds no runs and no journal records.
func (s *Store) Empty(ctx context.Context) (bool, error) {
	var n int
	err := s.db.QueryRowContext(ctx, `SELECT (SELECT COUNT(*) FROM runs) + (SELECT COUNT(*) FROM journal) + (SELECT COUNT(*) FROM kill_switch)`).Scan(&n)
	if err != nil {
		return false, fmt.Errorf("%s: %w", s.where, err)
	}
	return n == 0, nil
}

// RestoreSQLite replaces the SQLite database at path by the backup file
// from: the backup is copied beside path, synced and renamed over it, and
// the old database's WAL files are removed. The caller verifies the backup
// before and the result after, and makes sure no process uses path.
func RestoreSQLite(from, path string) error {
	tmp := filepath.Join(filepath.Dir(path), "."+filepath.Base(path)+".restoring")
	if err := copyFile(from, tmp); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("restore: %w", err)
	}
	for _, suffix := range []string{"-wal", "-shm"} {
		if err := os.Remove(path + suffix); err != nil && !errors.Is(err, fs.ErrNotExist) {
			os.Remove(tmp)
			return fmt.Errorf("restore: %w", err)
		}
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("restore: %w", err)
	}
	return syncDir(filepath.Dir(path))
}

// RestorePostgres loads a pg_dump backup into the database dsn names,
// replacing the objects it holds, in one transaction.
func RestorePostgres(ctx context.Context, dsn, from string) error {
	args, err := pgToolArgs(dsn)
	if err != nil {
		return err
	}
	cmd := exec.CommandContext(ctx, pgTool("pg_restore"), append([]string{"--clean", "--if-exists", "--no-owner", "--single-transaction", "--exit-on-error"}, append(args.restore, from)...)...)
	cmd.Env = append(os.Environ(), args.env...)
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("restore %s: pg_restore: %v: %s", redactDSN(dsn), err, strings.TrimSpace(scrubString(string(out), args.password)))
	}
	return nil
}

type pgArgs struct {
	dump, restore, env []string
	password           string
}

// pgToolArgs turns a DSN into pg_dump/pg_restore arguments: the password
// goes in the environment (not the command line), and a search_path
// parameter, which libpq does not know, selects the schema to dump.
func pgToolArgs(dsn string) (pgArgs, error) {
	u, err := url.Parse(dsn)
	if err != nil {
		return pgArgs{}, fmt.Errorf("%s: the DSN cannot be parsed", redactDSN(dsn))
	}
	var a pgArgs
	if u.User != nil {
		if pw, ok := u.User.Password(); ok {
			a.password = pw
			a.env = append(a.env, "PGPASSWORD="+pw)
			u.User = url.User(u.User.Username())
		}
	}
	q := u.Query()
	schema := q.Get("search_path")
	q.Del("search_path")
	u.RawQuery = q.Encode()
	a.dump = []string{"--dbname=" + u.String()}
	if schema != "" {
		a.dump = append(a.dump, "--schema="+schema)
	}
	a.restore = []string{"--dbname=" + u.String()}
	return a, nil
}

// pgTool finds a PostgreSQL client program: on PATH, else in Debian's
// versioned directories, newest first.
func pgTool(name string) string {
	if p, err := exec.LookPath(name); err == nil {
		return p
	}
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin/" + name)
	sort.Sort(sort.Reverse(sort.StringSlice(dirs)))
	if len(dirs) > 0 {
		return dirs[0]
	}
	return name
}

func scrubString(s, password string) string {
	if password == "" {
		return s
	}
	return strings.ReplaceAll(s, password, "xxxxx")
}

func copyFile(from, to string) error {
	raw, err := os.ReadFile(from)
	if err != nil {
		return err
	}
	f, err := os.OpenFile(to, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	if _, err := f.Write(raw); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func syncFile(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

// Prune keeps the newest keep files in dir whose names start with prefix
// (names sort by their UTC timestamps) and removes the rest; keep ≤ 0
// keeps all. It returns the files removed.
func Prune(dir, prefix string, keep int) ([]string, error) {
	if keep <= 0 {
		return nil, nil
	}
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("backup retention: %w", err)
	}
	var names []string
	for _, e := range ents {
		if e.Type().IsRegular() && strings.HasPrefix(e.Name(), prefix) {
			names = append(names, e.Name())
		}
	}
	sort.Strings(names)
	var removed []string
	for len(names) > keep {
		p := filepath.Join(dir, names[0])
		if err := os.Remove(p); err != nil {
			return removed, fmt.Errorf("backup retention: %w", err)
		}
		removed = append(removed, p)
		names = names[1:]
	}
	return removed, nil
}

package main

import (
	"context"
	"crypto/ed25519"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"path/filepath"

	"github.com/thunes/thunes/internal/journal"
	"github.com/thunes/thunes/internal/store"
)

// defaultDB is the SQLite file every command uses unless --db says otherwise.
const defaultDB = "./data/thunes.db"

// journalKeyFile is the checkpoint key's file name, beside a SQLite database
// unless --key says otherwise.
const journalKeyFile = "journal.key"

// dbFlags are the flags of every command that reads or writes state.
type dbFlags struct {
	db, key *string
}

func addDBFlags(fs *flag.FlagSet) dbFlags {
	return dbFlags{
		db: fs.String("db", defaultDB, "database: a SQLite file path or a postgres:// DSN"),
		key: fs.String("key", "", "Ed25519 key file signing the journal's checkpoints, kept outside the database "+
			"(default: "+journalKeyFile+" beside a SQLite file, ./data/"+journalKeyFile+" for PostgreSQL)"),
	}
}

// keyPath returns the journal key file for these flags.
func (f dbFlags) keyPath() string {
	if *f.key != "" {
		return *f.key
	}
	if store.IsPostgresDSN(*f.db) {
		return filepath.Join("data", journalKeyFile)
	}
	return filepath.Join(filepath.Dir(*f.db), journalKeyFile)
}

// open opens the database. create allows a new SQLite file and a new key;
// otherwise both must exist. withKey loads the key for writing checkpoints.
func (f dbFlags) open(ctx context.Context, create, withKey bool) (*store.Store, ed25519.PrivateKey, error) {
	if *f.db == "" {
		return nil, nil, usagef("--db is empty: give a SQLite file path or a postgres:// DSN")
	}
	var key ed25519.PrivateKey
	var err error
	if withKey {
		if create {
			key, err = journal.LoadOrCreateKey(f.keyPath())
		} else {
			key, err = journal.LoadKey(f.keyPath())
		}
		if err != nil {
			return nil, nil, err
		}
	}
	s, err := store.Open(ctx, *f.db, store.Options{Create: create, JournalKey: key})
	if err != nil {
		return nil, nil, err
	}
	return s, key, nil
}

// openSigning opens an existing database for a command that appends to the
// journal: with the key when its file exists, so checkpoints keep being
// written; without it (and a warning) otherwise, since such commands (a
// kill-switch trip) must not be blocked by a missing key.
func (f dbFlags) openSigning(ctx context.Context, warn io.Writer) (*store.Store, error) {
	key, err := journal.LoadKey(f.keyPath())
	if err != nil {
		if !errors.Is(err, fs.ErrNotExist) {
			return nil, err
		}
		fmt.Fprintf(warn, "thunes: warning: %v: journal checkpoints will not be signed\n", err)
		key = nil
	}
	return store.Open(ctx, *f.db, store.Options{JournalKey: key})
}

// publicKey loads the public half of the journal key for verification.
func (f dbFlags) publicKey() (ed25519.PublicKey, error) {
	k, err := journal.LoadKey(f.keyPath())
	if err != nil {
		return nil, fmt.Errorf("%w (the checkpoints cannot be checked without it; give --key FILE, or --chain-only to check the hash chain alone)", err)
	}
	return k.Public().(ed25519.PublicKey), nil
}

// verified checks the journal of s before a command appends to it: nothing
// is added to a journal that does not verify.
func verified(ctx context.Context, s *store.Store, key ed25519.PrivateKey) error {
	rep, err := journal.Verify(ctx, s.DB(), key.Public().(ed25519.PublicKey), journal.DefaultCheckpointEvery)
	if err != nil {
		return err
	}
	if err := rep.Err(); err != nil {
		return fmt.Errorf("%s: %w; nothing was written (see 'thunes audit verify')", s, err)
	}
	return nil
}

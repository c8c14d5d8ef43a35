// Package journal is the append-only, hash-chained audit journal. Each record
// carries a gapless sequence number, a time, an actor, a kind and its data,
// and hash = SHA-256(previous hash ‖ canonical JSON of the record), so any
// edit, deletion or reordering breaks the chain at the first record it
// touches. Checkpoints signed with an Ed25519 key kept outside the database
// make a rewrite of the whole chain detectable too.
//
// The package writes through the caller's transaction, so a record commits
// with the state change it describes, or not at all. It has no update or
// delete path; the schema (internal/store) also forbids both.
package journal

import (
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
)

// Kinds of records the engine and the commands write.
const (
	KindRunStart       = "run.start"
	KindRunEnd         = "run.end"
	KindIntent         = "order.intent"
	KindRiskDecision   = "risk.decision"
	KindRiskState      = "risk.state"
	KindSubmit         = "order.submit"
	KindAck            = "order.ack"
	KindFill           = "order.fill"
	KindCancel         = "order.cancel"
	KindReject         = "order.reject"
	KindExpire         = "order.expire"
	KindCancelReject   = "order.cancel_reject"
	KindResolve        = "order.resolve"
	KindLimitBreach    = "risk.limit_breach"
	KindKillTrip       = "killswitch.trip"
	KindKillReset      = "killswitch.reset"
	KindConfigChange   = "config.change"
	KindBackupRestored = "store.restored"
	KindReconcile      = "reconcile.report"
)

// GenesisHash is the previous hash of the first record: 32 zero bytes, in hex.
const GenesisHash = "0000000000000000000000000000000000000000000000000000000000000000"

// DefaultCheckpointEvery is how many records lie between two checkpoints
// unless configured otherwise.
const DefaultCheckpointEvery = 1000

// Entry is a record to append: Data is the record's content, built of the
// values AppendCanonical accepts (decimals as num.Decimal or strings).
type Entry struct {
	// Time is when it happened, in Unix milliseconds.
	Time int64
	// Actor is who or what caused it: "engine", "risk", a person's name.
	Actor string
	Kind  string
	Data  map[string]any
}

// Record is a stored journal record. Data is its canonical JSON.
type Record struct {
	Seq      int64
	Time     int64
	Actor    string
	Kind     string
	Data     []byte
	PrevHash string
	Hash     string
}

// Querier is what the journal needs of a transaction (*sql.Tx) or database.
type Querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
	PrepareContext(ctx context.Context, query string) (*sql.Stmt, error)
}

// Canonical returns the canonical JSON of the record without its hashes:
// {"actor":…,"data":…,"kind":…,"seq":…,"time":…}. Data must already be
// canonical; it is copied as it is.
func (r *Record) Canonical(b []byte) []byte {
	b = append(b, `{"actor":`...)
	b, _ = appendString(b, r.Actor) // validated when appended
	b = append(b, `,"data":`...)
	b = append(b, r.Data...)
	b = append(b, `,"kind":`...)
	b, _ = appendString(b, r.Kind)
	b = append(b, `,"seq":`...)
	b = strconv.AppendInt(b, r.Seq, 10)
	b = append(b, `,"time":`...)
	b = strconv.AppendInt(b, r.Time, 10)
	return append(b, '}')
}

// ComputeHash returns hex(SHA-256(prev ‖ canonical)), where prev is the
// 32 bytes whose hex is prevHash; buf is scratch space and may be nil.
func ComputeHash(prevHash string, canonical, buf []byte) (string, error) {
	var sum [32]byte
	if err := hashInto(&sum, prevHash, canonical, buf); err != nil {
		return "", err
	}
	return hex.EncodeToString(sum[:]), nil
}

func hashInto(sum *[32]byte, prevHash string, canonical, _ []byte) error {
	if len(prevHash) != 64 {
		return fmt.Errorf("previous hash %q is not 64 hex digits", prevHash)
	}
	var prev [32]byte
	if _, err := hex.Decode(prev[:], []byte(prevHash)); err != nil {
		return fmt.Errorf("previous hash %q is not hex", prevHash)
	}
	h := sha256.New()
	h.Write(prev[:])
	h.Write(canonical)
	h.Sum(sum[:0])
	return nil
}

// Writer appends records. Its fields are read-only once it is in use; it is
// safe for concurrent use with distinct transactions.
type Writer struct {
	// Key signs checkpoints; nil writes none (tests and tools only).
	Key ed25519.PrivateKey
	// Every is the number of records between checkpoints: one is written for
	// every record whose seq is a multiple of it. Zero means
	// DefaultCheckpointEvery.
	Every int64
	// Positional writes ? placeholders instead of $N.
	Positional bool
}

// Head returns the last record's seq and hash, or 0 and GenesisHash for an
// empty journal.
func Head(ctx context.Context, q Querier) (seq int64, hash string, err error) {
	err = q.QueryRowContext(ctx, `SELECT seq, hash FROM journal ORDER BY seq DESC LIMIT 1`).Scan(&seq, &hash)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, GenesisHash, nil
	}
	if err != nil {
		return 0, "", fmt.Errorf("journal head: %w", err)
	}
	return seq, hash, nil
}

// Append writes entries after the journal's last record inside q, which
// must be a transaction that holds the journal's write lock (the store takes
// it), and returns the records as stored. Nothing is written when an entry
// cannot be encoded.
func (w *Writer) Append(ctx context.Context, q Querier, entries ...Entry) ([]Record, error) {
	if len(entries) == 0 {
		return nil, nil
	}
	recs := make([]Record, len(entries))
	for i := range entries {
		e := &entries[i]
		if e.Kind == "" || e.Actor == "" {
			return nil, fmt.Errorf("journal entry %d: kind and actor are required", i)
		}
		data := e.Data
		if data == nil {
			data = map[string]any{}
		}
		raw, err := AppendCanonical(nil, data)
		if err != nil {
			return nil, fmt.Errorf("journal entry %s: %w", e.Kind, err)
		}
		if _, err := appendString(nil, e.Actor+e.Kind); err != nil {
			return nil, fmt.Errorf("journal entry %s: %w", e.Kind, err)
		}
		recs[i] = Record{Time: e.Time, Actor: e.Actor, Kind: e.Kind, Data: raw}
	}
	seq, prev, err := Head(ctx, q)
	if err != nil {
		return nil, err
	}
	every := w.Every
	if every <= 0 {
		every = DefaultCheckpointEvery
	}
	var canon []byte
	for i := range recs {
		r := &recs[i]
		seq++
		r.Seq, r.PrevHash = seq, prev
		canon = r.Canonical(canon[:0])
		var sum [32]byte
		if err := hashInto(&sum, prev, canon, nil); err != nil {
			return nil, err
		}
		r.Hash = hex.EncodeToString(sum[:])
		prev = r.Hash
	}
	if err := w.insert(ctx, q, recs); err != nil {
		return nil, err
	}
	if w.Key != nil {
		for i := range recs {
			if recs[i].Seq%every == 0 {
				if err := w.checkpoint(ctx, q, &recs[i]); err != nil {
					return nil, err
				}
			}
		}
	}
	return recs, nil
}

// rowsPerInsert is how many records one INSERT statement carries.
const rowsPerInsert = 64

// insert writes recs with multi-row INSERTs, one prepared statement for
// the full groups and one for the rest.
func (w *Writer) insert(ctx context.Context, q Querier, recs []Record) error {
	args := make([]any, 0, 7*rowsPerInsert)
	exec := func(stmt *sql.Stmt, rs []Record) error {
		args = args[:0]
		for i := range rs {
			r := &rs[i]
			args = append(args, r.Seq, r.Time, r.Actor, r.Kind, string(r.Data), r.PrevHash, r.Hash)
		}
		if _, err := stmt.ExecContext(ctx, args...); err != nil {
			return fmt.Errorf("append journal records %d-%d: %w", rs[0].Seq, rs[len(rs)-1].Seq, err)
		}
		return nil
	}
	full := len(recs) / rowsPerInsert * rowsPerInsert
	for _, part := range [][]Record{recs[:full], recs[full:]} {
		if len(part) == 0 {
			continue
		}
		n := min(len(part), rowsPerInsert)
		stmt, err := q.PrepareContext(ctx, w.insertSQL(n))
		if err != nil {
			return fmt.Errorf("append journal: %w", err)
		}
		for i := 0; i < len(part); i += n {
			if err := exec(stmt, part[i:i+n]); err != nil {
				stmt.Close()
				return err
			}
		}
		stmt.Close()
	}
	return nil
}

// insertSQL is an INSERT of n rows, with ? placeholders when the writer is
// Positional (SQLite binds them fastest) and $N otherwise.
func (w *Writer) insertSQL(n int) string {
	b := make([]byte, 0, 80+n*40)
	b = append(b, "INSERT INTO journal (seq, time, actor, kind, data, prev_hash, hash) VALUES "...)
	for i := range n {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, '(')
		for j := range 7 {
			if j > 0 {
				b = append(b, ',')
			}
			if w.Positional {
				b = append(b, '?')
			} else {
				b = append(b, '$')
				b = strconv.AppendInt(b, int64(i*7+j+1), 10)
			}
		}
		b = append(b, ')')
	}
	return string(b)
}

// Checkpoint is a signed statement that the record seq had hash.
type Checkpoint struct {
	Seq       int64
	Hash      string
	Time      int64
	PublicKey string // hex
	Signature string // hex
}

// CheckpointMessage is the byte string a checkpoint's signature covers.
func CheckpointMessage(seq int64, hash string) []byte {
	return []byte("thunes journal checkpoint\nseq=" + strconv.FormatInt(seq, 10) + "\nhash=" + hash + "\n")
}

func (w *Writer) checkpoint(ctx context.Context, q Querier, r *Record) error {
	sig := ed25519.Sign(w.Key, CheckpointMessage(r.Seq, r.Hash))
	pub := w.Key.Public().(ed25519.PublicKey)
	_, err := q.ExecContext(ctx, `INSERT INTO journal_checkpoint (seq, hash, time, public_key, signature) VALUES ($1, $2, $3, $4, $5)`,
		r.Seq, r.Hash, r.Time, hex.EncodeToString(pub), hex.EncodeToString(sig))
	if err != nil {
		return fmt.Errorf("journal checkpoint at seq %d: %w", r.Seq, err)
	}
	return nil
}

// Checkpoint writes a signed checkpoint for the journal's last record, as a
// session does when it stops, unless it has one already.
func (w *Writer) Checkpoint(ctx context.Context, q Querier, now int64) error {
	if w.Key == nil {
		return nil
	}
	seq, hash, err := Head(ctx, q)
	if err != nil || seq == 0 {
		return err
	}
	var n int
	if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM journal_checkpoint WHERE seq = $1`, seq).Scan(&n); err != nil {
		return fmt.Errorf("journal checkpoint: %w", err)
	}
	if n > 0 {
		return nil
	}
	return w.checkpoint(ctx, q, &Record{Seq: seq, Hash: hash, Time: now})
}

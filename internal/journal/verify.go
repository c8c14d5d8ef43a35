package journal

import (
	"context"
	"crypto/ed25519"
	"encoding/hex"
	"errors"
	"fmt"
	"runtime"
	"sort"
	"sync"
)

// Problem is the first thing found wrong with a journal: the record (or
// checkpoint) at Seq, and what is wrong with it.
type Problem struct {
	Seq  int64
	What string
}

func (p *Problem) Error() string { return fmt.Sprintf("journal record %d: %s", p.Seq, p.What) }

// ErrTampered is wrapped by every error Report.Err returns.
var ErrTampered = errors.New("journal does not verify")

// Report is the outcome of a verification.
type Report struct {
	// Records is how many records were read; Last the last record's seq and
	// LastHash its hash.
	Records  int64
	Last     int64
	LastHash string
	// Checkpoints is how many signed checkpoints were checked.
	Checkpoints int
	// Problem is the first bad record, nil when the journal verifies.
	Problem *Problem
}

// Err returns nil when the journal verified, else an error naming the first
// bad record.
func (r *Report) Err() error {
	if r.Problem == nil {
		return nil
	}
	return fmt.Errorf("%w: %w", ErrTampered, r.Problem)
}

// Chain checks records one after another: gapless seqs, each prev_hash the
// hash before it, each hash its content's. The zero value starts at the
// genesis; set Next and Prev to start inside a chain (an export of a range).
// It stops at the first problem.
type Chain struct {
	Next    int64  // seq the next record must have; 0 means 1
	Prev    string // hash the next record must follow; "" means GenesisHash
	Problem *Problem
	n       int64
	buf     []byte
	canon   []byte
	want    [32]byte
	got     [32]byte
}

// Add checks r and reports whether the chain is still good.
func (c *Chain) Add(r *Record) bool {
	if c.Problem != nil {
		return false
	}
	if c.Next == 0 {
		c.Next = 1
	}
	if c.Prev == "" {
		c.Prev = GenesisHash
	}
	switch {
	case r.Seq > c.Next:
		c.Problem = &Problem{c.Next, fmt.Sprintf("missing (the next record stored is %d): deleted", r.Seq)}
		return false
	case r.Seq < c.Next:
		c.Problem = &Problem{r.Seq, fmt.Sprintf("out of order: found after record %d", c.Next-1)}
		return false
	case r.PrevHash != c.Prev:
		c.Problem = &Problem{r.Seq, "prev_hash does not match the hash of the record before it: reordered, replaced or a record before it was changed"}
		return false
	}
	c.canon = r.Canonical(c.canon[:0])
	if err := hashInto(&c.got, r.PrevHash, c.canon, c.buf); err != nil {
		c.Problem = &Problem{r.Seq, err.Error()}
		return false
	}
	if len(r.Hash) != 64 {
		c.Problem = &Problem{r.Seq, "hash is not 64 hex digits"}
		return false
	}
	if _, err := hex.Decode(c.want[:], []byte(r.Hash)); err != nil || c.want != c.got {
		c.Problem = &Problem{r.Seq, "hash does not match the record's content: edited"}
		return false
	}
	c.Prev = r.Hash
	c.Next++
	c.n++
	return true
}

// Count returns how many records were accepted.
func (c *Chain) Count() int64 { return c.n }

// Verify reads the whole journal in seq order and checks the chain and the
// signed checkpoints. pub is the public key checkpoints must be signed with;
// nil skips them. every is the checkpoint interval the writer used (0:
// DefaultCheckpointEvery); with a key, every multiple of it up to the last
// record must have a valid checkpoint. The returned error is for failures to
// read; a journal that does not verify is reported in Report.Problem.
func Verify(ctx context.Context, q Querier, pub ed25519.PublicKey, every int64) (*Report, error) {
	if every <= 0 {
		every = DefaultCheckpointEvery
	}
	cps, err := loadCheckpoints(ctx, q)
	if err != nil {
		return nil, err
	}
	rep := &Report{}
	bad, err := scanChain(ctx, q, cps, rep)
	if err != nil {
		return nil, err
	}
	if pub != nil {
		bad = append(bad, checkCheckpoints(cps, pub, every, rep)...)
	}
	if len(bad) > 0 {
		sort.SliceStable(bad, func(i, j int) bool { return bad[i].Seq < bad[j].Seq })
		rep.Problem = bad[0]
	}
	return rep, nil
}

// scanChain reads the journal in seq order and checks it: the reading
// goroutine checks the links (gapless seqs, each prev_hash the hash before
// it, checkpoint hashes) as rows arrive, and a worker per CPU recomputes the
// hashes of whole batches meanwhile, so reading and hashing overlap.
func scanChain(ctx context.Context, q Querier, cps map[int64]Checkpoint, rep *Report) ([]*Problem, error) {
	rows, err := q.QueryContext(ctx, `SELECT seq, time, actor, kind, data, prev_hash, hash FROM journal ORDER BY seq`)
	if err != nil {
		return nil, fmt.Errorf("read journal: %w", err)
	}
	defer rows.Close()
	const batchSize = 2048
	work := make(chan []Record, 4)
	found := make(chan *Problem, runtime.GOMAXPROCS(0))
	var wg sync.WaitGroup
	for range runtime.GOMAXPROCS(0) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var first *Problem
			var canon []byte
			var got, want [32]byte
			for recs := range work {
				for i := range recs {
					r := &recs[i]
					if first != nil && r.Seq > first.Seq {
						break
					}
					canon = r.Canonical(canon[:0])
					if err := hashInto(&got, r.PrevHash, canon, nil); err != nil {
						first = &Problem{r.Seq, err.Error()}
						break
					}
					if len(r.Hash) != 64 {
						first = &Problem{r.Seq, "hash is not 64 hex digits"}
						break
					}
					if _, err := hex.Decode(want[:], []byte(r.Hash)); err != nil || want != got {
						first = &Problem{r.Seq, "hash does not match the record's content: edited"}
						break
					}
				}
			}
			found <- first
		}()
	}
	var bad []*Problem
	next, prev := int64(1), GenesisHash
	batch := make([]Record, 0, batchSize)
	send := func() {
		if len(batch) > 0 {
			work <- batch
			batch = make([]Record, 0, batchSize)
		}
	}
	var readErr error
	for rows.Next() {
		var r Record
		if err := rows.Scan(&r.Seq, &r.Time, &r.Actor, &r.Kind, &r.Data, &r.PrevHash, &r.Hash); err != nil {
			readErr = fmt.Errorf("read journal after record %d: %w", rep.Last, err)
			break
		}
		var p *Problem
		switch {
		case r.Seq > next:
			p = &Problem{next, fmt.Sprintf("missing (the next record stored is %d): deleted", r.Seq)}
		case r.Seq < next:
			p = &Problem{r.Seq, fmt.Sprintf("out of order: found after record %d", next-1)}
		case r.PrevHash != prev:
			p = &Problem{r.Seq, "prev_hash does not match the hash of the record before it: reordered, replaced or a record before it was changed"}
		}
		if cp, ok := cps[r.Seq]; ok && p == nil && cp.Hash != r.Hash {
			p = &Problem{r.Seq, "differs from its signed checkpoint: the chain was rewritten"}
		}
		batch = append(batch, r)
		if p != nil {
			bad = append(bad, p)
			break
		}
		rep.Records++
		rep.Last, rep.LastHash = r.Seq, r.Hash
		next, prev = r.Seq+1, r.Hash
		if len(batch) == batchSize {
			send()
		}
	}
	if readErr == nil {
		if err := rows.Err(); err != nil {
			readErr = fmt.Errorf("read journal after record %d: %w", rep.Last, err)
		}
	}
	send()
	close(work)
	wg.Wait()
	close(found)
	for p := range found {
		if p != nil {
			bad = append(bad, p)
		}
	}
	if readErr != nil {
		return nil, readErr
	}
	// A record that failed its hash is not counted as verified.
	sort.SliceStable(bad, func(i, j int) bool { return bad[i].Seq < bad[j].Seq })
	if len(bad) > 0 && bad[0].Seq <= rep.Last {
		rep.Records -= rep.Last - bad[0].Seq + 1
		rep.Last = bad[0].Seq - 1
	}
	return bad, nil
}

func loadCheckpoints(ctx context.Context, q Querier) (map[int64]Checkpoint, error) {
	rows, err := q.QueryContext(ctx, `SELECT seq, hash, time, public_key, signature FROM journal_checkpoint ORDER BY seq`)
	if err != nil {
		return nil, fmt.Errorf("read journal checkpoints: %w", err)
	}
	defer rows.Close()
	cps := map[int64]Checkpoint{}
	for rows.Next() {
		var cp Checkpoint
		if err := rows.Scan(&cp.Seq, &cp.Hash, &cp.Time, &cp.PublicKey, &cp.Signature); err != nil {
			return nil, fmt.Errorf("read journal checkpoints: %w", err)
		}
		cps[cp.Seq] = cp
	}
	return cps, rows.Err()
}

// checkCheckpoints checks every checkpoint's key and signature, that none
// lies past the last record, and that none is missing.
func checkCheckpoints(cps map[int64]Checkpoint, pub ed25519.PublicKey, every int64, rep *Report) []*Problem {
	var bad []*Problem
	keyHex := hex.EncodeToString(pub)
	for seq, cp := range cps {
		sig, err := hex.DecodeString(cp.Signature)
		switch {
		case cp.PublicKey != keyHex:
			bad = append(bad, &Problem{seq, "checkpoint is signed by another key (" + short(cp.PublicKey) + "), not the journal key (" + short(keyHex) + ")"})
		case err != nil || !ed25519.Verify(pub, CheckpointMessage(cp.Seq, cp.Hash), sig):
			bad = append(bad, &Problem{seq, "checkpoint signature is invalid: the checkpoint was forged or edited"})
		case seq > rep.Last && rep.Problem == nil:
			bad = append(bad, &Problem{rep.Last + 1, fmt.Sprintf("missing: a signed checkpoint names record %d but the journal ends at %d: records were deleted from the end", seq, rep.Last)})
		}
		rep.Checkpoints++
	}
	for s := every; s <= rep.Last; s += every {
		if _, ok := cps[s]; !ok {
			bad = append(bad, &Problem{s, fmt.Sprintf("has no signed checkpoint (one is written every %d records): checkpoints were removed", every)})
			break
		}
	}
	return bad
}

func short(h string) string {
	if len(h) > 16 {
		return h[:16] + "…"
	}
	return h
}

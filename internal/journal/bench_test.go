package journal_test

import (
	"context"
	"crypto/ed25519"
	"path/filepath"
	"testing"

	"github.com/thunes/thunes/internal/journal"
	"github.com/thunes/thunes/internal/num"
	"github.com/thunes/thunes/internal/store"
	"github.com/thunes/thunes/internal/store/storetest"
)

// fillEntry is a typical record: a fill with its decimals.
func fillEntry(i int) journal.Entry {
	return journal.Entry{Time: 1_700_000_000_000 + int64(i), Actor: "engine", Kind: journal.KindFill, Data: map[string]any{
		"run": "p1", "client_id": "p1-12345", "symbol": "BTCUSDT", "side": "BUY", "trade_id": int64(i),
		"price": num.MustParse("65012.34"), "qty": num.MustParse("0.00153"), "commission": num.MustParse("0.00000153"),
		"commission_asset": "BTC", "maker": false}}
}

// BenchmarkAppendDurable appends to a SQLite file in WAL mode with
// synchronous=FULL: every commit is synced. One op is one transaction of
// 1 000 records, with a signed checkpoint every 1 000.
func BenchmarkAppendDurable(b *testing.B) {
	s := storetest.MustOpen(b, filepath.Join(b.TempDir(), "bench.db"), store.Options{Create: true, JournalKey: storetest.NewKey(b)})
	const batch = 1000
	entries := make([]journal.Entry, batch)
	for i := range entries {
		entries[i] = fillEntry(i)
	}
	b.ResetTimer()
	for range b.N {
		if err := s.Update(context.Background(), func(tx *store.Tx) error {
			_, err := tx.Journal(entries...)
			return err
		}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(batch*b.N)/b.Elapsed().Seconds(), "records/s")
}

// chainOf returns n valid records in memory.
func chainOf(b *testing.B, n int) []journal.Record {
	recs := make([]journal.Record, n)
	prev := journal.GenesisHash
	for i := range recs {
		e := fillEntry(i)
		data, err := journal.AppendCanonical(nil, e.Data)
		if err != nil {
			b.Fatal(err)
		}
		r := journal.Record{Seq: int64(i + 1), Time: e.Time, Actor: e.Actor, Kind: e.Kind, Data: data, PrevHash: prev}
		r.Hash, _ = journal.ComputeHash(prev, r.Canonical(nil), nil)
		prev = r.Hash
		recs[i] = r
	}
	return recs
}

// BenchmarkVerifyChain checks records already read: the hash chain work
// of verify on one core, without the database. One op is 10 000 records.
func BenchmarkVerifyChain(b *testing.B) {
	recs := chainOf(b, 10_000)
	b.ResetTimer()
	for range b.N {
		var c journal.Chain
		for i := range recs {
			if !c.Add(&recs[i]) {
				b.Fatal(c.Problem)
			}
		}
	}
	b.ReportMetric(float64(len(recs)*b.N)/b.Elapsed().Seconds(), "records/s")
}

// BenchmarkVerifySQLite is journal.Verify end to end on a SQLite file:
// reading the rows, the chain and the checkpoints.
func BenchmarkVerifySQLite(b *testing.B) {
	key := storetest.NewKey(b)
	s := storetest.MustOpen(b, filepath.Join(b.TempDir(), "bench.db"), store.Options{Create: true, JournalKey: key})
	const total = 100_000
	entries := make([]journal.Entry, 10_000)
	for i := range entries {
		entries[i] = fillEntry(i)
	}
	for range total / len(entries) {
		if err := s.Update(context.Background(), func(tx *store.Tx) error { _, err := tx.Journal(entries...); return err }); err != nil {
			b.Fatal(err)
		}
	}
	b.ResetTimer()
	for range b.N {
		rep, err := journal.Verify(context.Background(), s.DB(), key.Public().(ed25519.PublicKey), 0)
		if err != nil || rep.Err() != nil || rep.Records != total {
			b.Fatal(err, rep.Err())
		}
	}
	b.ReportMetric(float64(total)*float64(b.N)/b.Elapsed().Seconds(), "records/s")
}

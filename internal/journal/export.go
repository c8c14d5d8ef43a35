package journal

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
)

// Export writes the records with from ≤ seq ≤ to (0 means unbounded) as
// JSON Lines, one record per line in canonical JSON with its prev_hash and
// hash, then one trailer line {"export":{"count":…,"first_seq":…,
// "last_hash":…,"last_seq":…}} so a cut-off file is told from a whole one.
// It returns how many records it wrote.
func Export(ctx context.Context, q Querier, w io.Writer, from, to int64) (int64, error) {
	if to == 0 {
		to = 1<<63 - 1
	}
	rows, err := q.QueryContext(ctx, `SELECT seq, time, actor, kind, data, prev_hash, hash FROM journal WHERE seq >= $1 AND seq <= $2 ORDER BY seq`, from, to)
	if err != nil {
		return 0, fmt.Errorf("export journal: %w", err)
	}
	defer rows.Close()
	bw := bufio.NewWriterSize(w, 64<<10)
	var n, first, last int64
	var lastHash string
	var line []byte
	for rows.Next() {
		var r Record
		if err := rows.Scan(&r.Seq, &r.Time, &r.Actor, &r.Kind, &r.Data, &r.PrevHash, &r.Hash); err != nil {
			return n, fmt.Errorf("export journal after record %d: %w", last, err)
		}
		line = exportLine(line[:0], &r)
		if _, err := bw.Write(line); err != nil {
			return n, fmt.Errorf("export journal: %w", err)
		}
		if n == 0 {
			first = r.Seq
		}
		n++
		last, lastHash = r.Seq, r.Hash
	}
	if err := rows.Err(); err != nil {
		return n, fmt.Errorf("export journal after record %d: %w", last, err)
	}
	trailer, _ := AppendCanonical(nil, map[string]any{"export": map[string]any{
		"count": n, "first_seq": first, "last_seq": last, "last_hash": lastHash}})
	trailer = append(trailer, '\n')
	if _, err := bw.Write(trailer); err != nil {
		return n, fmt.Errorf("export journal: %w", err)
	}
	if err := bw.Flush(); err != nil {
		return n, fmt.Errorf("export journal: %w", err)
	}
	return n, nil
}

// exportLine is the record's canonical JSON with prev_hash and hash added,
// keys still sorted.
func exportLine(b []byte, r *Record) []byte {
	b = append(b, `{"actor":`...)
	b, _ = appendString(b, r.Actor)
	b = append(b, `,"data":`...)
	b = append(b, r.Data...)
	b = append(b, `,"hash":"`...)
	b = append(b, r.Hash...)
	b = append(b, `","kind":`...)
	b, _ = appendString(b, r.Kind)
	b = append(b, `,"prev_hash":"`...)
	b = append(b, r.PrevHash...)
	b = append(b, `","seq":`...)
	b = strconv.AppendInt(b, r.Seq, 10)
	b = append(b, `,"time":`...)
	b = strconv.AppendInt(b, r.Time, 10)
	return append(b, '}', '\n')
}

type exportRecord struct {
	Seq      *int64          `json:"seq"`
	Time     *int64          `json:"time"`
	Actor    *string         `json:"actor"`
	Kind     *string         `json:"kind"`
	Data     json.RawMessage `json:"data"`
	PrevHash *string         `json:"prev_hash"`
	Hash     *string         `json:"hash"`
	Export   *struct {
		Count    *int64  `json:"count"`
		FirstSeq *int64  `json:"first_seq"`
		LastSeq  *int64  `json:"last_seq"`
		LastHash *string `json:"last_hash"`
	} `json:"export"`
}

// VerifyExport checks an export written by Export: every line is whole
// JSON, the records chain from the first one's prev_hash on, each hash is
// its content's (data re-encoded canonically), and the trailer is present
// and agrees. Problems name the line and the record.
func VerifyExport(r io.Reader) (*Report, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), 16<<20)
	rep := &Report{}
	var c Chain
	lineNo := 0
	trailer := false
	for sc.Scan() {
		lineNo++
		raw := sc.Bytes()
		if trailer {
			return nil, fmt.Errorf("export line %d: data after the trailer line", lineNo)
		}
		var er exportRecord
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&er); err != nil {
			return nil, fmt.Errorf("export line %d (after record %d) is not a whole JSON record, the export is truncated or damaged: %v", lineNo, rep.Last, err)
		}
		if er.Export != nil {
			t := er.Export
			if t.Count == nil || t.LastSeq == nil || t.LastHash == nil || t.FirstSeq == nil {
				return nil, fmt.Errorf("export line %d: trailer is incomplete", lineNo)
			}
			if *t.Count != rep.Records || (rep.Records > 0 && (*t.LastSeq != rep.Last || *t.LastHash != rep.LastHash)) {
				return nil, fmt.Errorf("export line %d: trailer says %d records ending at %d, the file holds %d ending at %d: records were removed", lineNo, *t.Count, *t.LastSeq, rep.Records, rep.Last)
			}
			trailer = true
			continue
		}
		if er.Seq == nil || er.Time == nil || er.Actor == nil || er.Kind == nil || er.Data == nil || er.PrevHash == nil || er.Hash == nil {
			return nil, fmt.Errorf("export line %d: record lacks one of seq, time, actor, kind, data, prev_hash, hash", lineNo)
		}
		dec = json.NewDecoder(bytes.NewReader(er.Data))
		dec.UseNumber()
		var data any
		if err := dec.Decode(&data); err != nil {
			return nil, fmt.Errorf("export line %d: record %d data: %v", lineNo, *er.Seq, err)
		}
		canon, err := AppendCanonical(nil, data)
		if err != nil {
			rep.Problem = &Problem{*er.Seq, "data has no canonical form: " + err.Error()}
			return rep, nil
		}
		rec := Record{Seq: *er.Seq, Time: *er.Time, Actor: *er.Actor, Kind: *er.Kind, Data: canon, PrevHash: *er.PrevHash, Hash: *er.Hash}
		if rep.Records == 0 {
			c.Next, c.Prev = rec.Seq, rec.PrevHash
		}
		if !c.Add(&rec) {
			rep.Problem = c.Problem
			return rep, nil
		}
		rep.Records++
		rep.Last, rep.LastHash = rec.Seq, rec.Hash
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read export: %w", err)
	}
	if !trailer {
		return nil, fmt.Errorf("export has no trailer line after record %d (line %d): it is truncated", rep.Last, lineNo)
	}
	return rep, nil
}

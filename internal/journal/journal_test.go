package journal_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/thunes/thunes/internal/journal"
	"github.com/thunes/thunes/internal/num"
	"github.com/thunes/thunes/internal/store"
	"github.com/thunes/thunes/internal/store/storetest"
)

var ctx = context.Background()

const every = 10

// filled returns a store whose journal holds n records with a checkpoint
// every 10, and the key that signed them.
func filled(t *testing.T, b storetest.Backend, n int) (*store.Store, ed25519.PrivateKey) {
	t.Helper()
	key := storetest.NewKey(t)
	s := b.Open(t, store.Options{JournalKey: key, CheckpointEvery: every})
	appendN(t, s, n)
	return s, key
}

func appendN(t testing.TB, s *store.Store, n int) {
	t.Helper()
	err := s.Update(ctx, func(tx *store.Tx) error {
		for i := range n {
			_, err := tx.Journal(journal.Entry{Time: 1_700_000_000_000 + int64(i), Actor: "engine", Kind: journal.KindFill,
				Data: map[string]any{"client_id": fmt.Sprintf("p1-%d", i), "qty": num.MustParse("0.001"), "price": "65000.5",
					"trade_id": int64(i), "maker": i%2 == 0, "note": "a \"quoted\"\tnote é ✓ <&>\u2028"}})
			if err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// unprotect lets the test edit the journal as someone with direct access
// to the database would: it drops SQLite's triggers or disables
// PostgreSQL's.
func unprotect(t *testing.T, s *store.Store) {
	t.Helper()
	var qs []string
	if s.Kind() == store.SQLite {
		qs = []string{"DROP TRIGGER journal_no_update", "DROP TRIGGER journal_no_delete",
			"DROP TRIGGER journal_checkpoint_no_update", "DROP TRIGGER journal_checkpoint_no_delete"}
	} else {
		qs = []string{"ALTER TABLE journal DISABLE TRIGGER USER", "ALTER TABLE journal_checkpoint DISABLE TRIGGER USER"}
	}
	for _, q := range qs {
		if _, err := s.DB().ExecContext(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
}

func mustExec(t *testing.T, s *store.Store, q string, args ...any) {
	t.Helper()
	if _, err := s.DB().ExecContext(ctx, q, args...); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
}

func verify(t *testing.T, s *store.Store, key ed25519.PrivateKey) *journal.Report {
	t.Helper()
	rep, err := journal.Verify(ctx, s.DB(), key.Public().(ed25519.PublicKey), every)
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

func TestIntactJournalVerifies(t *testing.T) {
	for _, b := range storetest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			s, key := filled(t, b, 35)
			rep := verify(t, s, key)
			if rep.Err() != nil || rep.Records != 35 || rep.Checkpoints != 3 {
				t.Fatalf("report = %+v, err %v", rep, rep.Err())
			}
			// A session's closing checkpoint covers the tail too.
			if err := s.Update(ctx, func(tx *store.Tx) error { return tx.Checkpoint(1) }); err != nil {
				t.Fatal(err)
			}
			if rep := verify(t, s, key); rep.Err() != nil || rep.Checkpoints != 4 {
				t.Fatalf("after closing checkpoint: %+v %v", rep, rep.Err())
			}
		})
	}
}

func TestTamperingIsDetectedAndNamed(t *testing.T) {
	other := storetest.NewKey(t)
	cases := []struct {
		name   string
		tamper func(t *testing.T, s *store.Store)
		seq    int64
		what   string
	}{
		{"edit data", func(t *testing.T, s *store.Store) {
			mustExec(t, s, `UPDATE journal SET data = $1 WHERE seq = 17`, `{"qty":"9"}`)
		}, 17, "edited"},
		{"edit actor", func(t *testing.T, s *store.Store) {
			mustExec(t, s, `UPDATE journal SET actor = 'mallory' WHERE seq = 3`)
		}, 3, "edited"},
		{"edit time", func(t *testing.T, s *store.Store) {
			mustExec(t, s, `UPDATE journal SET time = time + 1 WHERE seq = 35`)
		}, 35, "edited"},
		{"delete one", func(t *testing.T, s *store.Store) {
			mustExec(t, s, `DELETE FROM journal WHERE seq = 17`)
		}, 17, "missing"},
		{"delete the first", func(t *testing.T, s *store.Store) {
			mustExec(t, s, `DELETE FROM journal WHERE seq = 1`)
		}, 1, "missing"},
		{"delete the tail past a checkpoint", func(t *testing.T, s *store.Store) {
			mustExec(t, s, `DELETE FROM journal WHERE seq >= 25`)
		}, 25, "deleted from the end"},
		{"swap two records", func(t *testing.T, s *store.Store) {
			mustExec(t, s, `UPDATE journal SET seq = -1 WHERE seq = 17`)
			mustExec(t, s, `UPDATE journal SET seq = 17 WHERE seq = 18`)
			mustExec(t, s, `UPDATE journal SET seq = 18 WHERE seq = -1`)
		}, 17, "prev_hash does not match"},
		{"rewrite the whole chain", func(t *testing.T, s *store.Store) {
			rewrite(t, s, nil)
		}, every, "rewritten"},
		{"rewrite the chain and re-sign with another key", func(t *testing.T, s *store.Store) {
			rewrite(t, s, other)
		}, every, "another key"},
		{"forge a checkpoint signature", func(t *testing.T, s *store.Store) {
			mustExec(t, s, `UPDATE journal_checkpoint SET signature = $1 WHERE seq = 20`, strings.Repeat("ab", 64))
		}, 20, "signature is invalid"},
		{"remove the checkpoints", func(t *testing.T, s *store.Store) {
			mustExec(t, s, `DELETE FROM journal_checkpoint`)
		}, every, "no signed checkpoint"},
	}
	for _, b := range storetest.Backends(t) {
		for _, c := range cases {
			t.Run(b.Name+"/"+c.name, func(t *testing.T) {
				s, key := filled(t, b, 35)
				if rep := verify(t, s, key); rep.Err() != nil {
					t.Fatalf("before tampering: %v", rep.Err())
				}
				unprotect(t, s)
				c.tamper(t, s)
				rep := verify(t, s, key)
				err := rep.Err()
				if err == nil {
					t.Fatalf("tampering was not detected: %+v", rep)
				}
				if rep.Problem.Seq != c.seq || !strings.Contains(err.Error(), c.what) {
					t.Fatalf("got %v (record %d); want record %d, %q", err, rep.Problem.Seq, c.seq, c.what)
				}
				if !strings.Contains(err.Error(), fmt.Sprintf("journal record %d:", c.seq)) {
					t.Fatalf("error does not name the record: %v", err)
				}
			})
		}
	}
}

// rewrite replaces every record's data and recomputes a consistent chain,
// as someone who can write the database could; with key set it also
// replaces the checkpoints with ones that key signs.
func rewrite(t *testing.T, s *store.Store, key ed25519.PrivateKey) {
	t.Helper()
	rows, err := s.DB().QueryContext(ctx, `SELECT seq, time, actor, kind, data FROM journal ORDER BY seq`)
	if err != nil {
		t.Fatal(err)
	}
	var recs []journal.Record
	for rows.Next() {
		var r journal.Record
		if err := rows.Scan(&r.Seq, &r.Time, &r.Actor, &r.Kind, &r.Data); err != nil {
			t.Fatal(err)
		}
		recs = append(recs, r)
	}
	rows.Close()
	prev := journal.GenesisHash
	for i := range recs {
		r := &recs[i]
		r.Data = bytes.ReplaceAll(r.Data, []byte(`"0.001"`), []byte(`"0.002"`))
		r.PrevHash = prev
		if r.Hash, err = journal.ComputeHash(prev, r.Canonical(nil), nil); err != nil {
			t.Fatal(err)
		}
		prev = r.Hash
		mustExec(t, s, `UPDATE journal SET data = $1, prev_hash = $2, hash = $3 WHERE seq = $4`, string(r.Data), r.PrevHash, r.Hash, r.Seq)
		if key != nil && r.Seq%every == 0 {
			sig := ed25519.Sign(key, journal.CheckpointMessage(r.Seq, r.Hash))
			mustExec(t, s, `UPDATE journal_checkpoint SET hash = $1, public_key = $2, signature = $3 WHERE seq = $4`,
				r.Hash, fmt.Sprintf("%x", key.Public()), fmt.Sprintf("%x", sig), r.Seq)
		}
	}
}

func TestCanonicalJSON(t *testing.T) {
	got, err := journal.AppendCanonical(nil, map[string]any{"b": []any{int64(1), true, nil, "x"}, "a": num.MustParse("1.50"),
		"é": "\x01\n\"\\", "c": map[string]any{"z": 1, "y": "<&>"}})
	if err != nil {
		t.Fatal(err)
	}
	want := `{"a":"1.5","b":[1,true,null,"x"],"c":{"y":"<&>","z":1},"é":"\u0001\n\"\\"}`
	if string(got) != want {
		t.Fatalf("canonical = %s\nwant        %s", got, want)
	}
	if _, err := journal.AppendCanonical(nil, map[string]any{"f": 1.5}); err == nil {
		t.Fatal("a float was accepted")
	}
	if _, err := journal.AppendCanonical(nil, "\xff"); err == nil {
		t.Fatal("invalid UTF-8 was accepted")
	}
}

// pythonVerifier extracts the verification script from docs/audit.md, so
// the documented procedure is the one tested.
func pythonVerifier(t *testing.T) string {
	t.Helper()
	doc, err := os.ReadFile(filepath.Join("..", "..", "docs", "audit.md"))
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile("(?s)```python\n(.*?)```").FindSubmatch(doc)
	if m == nil {
		t.Fatal("docs/audit.md has no ```python block")
	}
	path := filepath.Join(t.TempDir(), "verify_export.py")
	if err := os.WriteFile(path, m[1], 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func runPython(t *testing.T, script, export string) (string, error) {
	t.Helper()
	py, err := exec.LookPath("python3")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("python3 is required in CI to test docs/audit.md")
		}
		t.Skip("python3 not installed")
	}
	out, err := exec.Command(py, script, export).CombinedOutput()
	return string(out), err
}

func TestExportVerifiesWithoutThunes(t *testing.T) {
	for _, b := range storetest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			s, _ := filled(t, b, 35)
			dir := t.TempDir()
			script := pythonVerifier(t)
			write := func(name string, from, to int64) (string, []byte) {
				var buf bytes.Buffer
				if _, err := journal.Export(ctx, s.DB(), &buf, from, to); err != nil {
					t.Fatal(err)
				}
				p := filepath.Join(dir, name)
				os.WriteFile(p, buf.Bytes(), 0o600)
				return p, buf.Bytes()
			}
			all, raw := write("all.jsonl", 0, 0)
			rep, err := journal.VerifyExport(bytes.NewReader(raw))
			if err != nil || rep.Err() != nil || rep.Records != 35 {
				t.Fatalf("VerifyExport: %+v %v", rep, err)
			}
			if out, err := runPython(t, script, all); err != nil || !strings.Contains(out, "ok: 35 records") {
				t.Fatalf("python verifier on a good export: %v\n%s", err, out)
			}
			part, raw := write("part.jsonl", 11, 20)
			if rep, err := journal.VerifyExport(bytes.NewReader(raw)); err != nil || rep.Err() != nil || rep.Records != 10 {
				t.Fatalf("VerifyExport of a range: %+v %v", rep, err)
			}
			if out, err := runPython(t, script, part); err != nil || !strings.Contains(out, "ok: 10 records") {
				t.Fatalf("python verifier on a range: %v\n%s", err, out)
			}

			// Truncated mid-line, cut at a line boundary, and edited.
			_, raw = write("x.jsonl", 0, 0)
			lines := bytes.SplitAfter(raw, []byte("\n"))
			bad := map[string][]byte{
				"truncated": raw[:len(raw)-len(lines[len(lines)-2])-40],
				"cut":       bytes.Join(lines[:20], nil),
				"edited":    bytes.Replace(raw, []byte(`"trade_id":7}`), []byte(`"trade_id":8}`), 1),
			}
			for name, content := range bad {
				p := filepath.Join(dir, name+".jsonl")
				os.WriteFile(p, content, 0o600)
				rep, err := journal.VerifyExport(bytes.NewReader(content))
				if err == nil && rep.Err() == nil {
					t.Errorf("%s export verified", name)
				}
				if name == "edited" && (err != nil || rep.Problem == nil || rep.Problem.Seq != 8) {
					t.Errorf("edited export: %v %+v, want record 8 named", err, rep)
				}
				if name != "edited" && (err == nil || !strings.Contains(err.Error(), "truncated")) {
					t.Errorf("%s export: %v, want 'truncated'", name, err)
				}
				if out, err := runPython(t, script, p); err == nil {
					t.Errorf("python verifier accepted the %s export:\n%s", name, out)
				}
			}
		})
	}
}

func TestLoadOrCreateKey(t *testing.T) {
	p := filepath.Join(t.TempDir(), "keys", "journal.key")
	k1, err := journal.LoadOrCreateKey(p)
	if err != nil {
		t.Fatal(err)
	}
	st, _ := os.Stat(p)
	if st.Mode().Perm() != 0o600 {
		t.Errorf("key file mode %v, want 0600", st.Mode().Perm())
	}
	k2, err := journal.LoadOrCreateKey(p)
	if err != nil || !k1.Equal(k2) {
		t.Fatalf("second load: %v", err)
	}
	os.WriteFile(p, []byte("nope\n"), 0o600)
	if _, err := journal.LoadKey(p); err == nil || !strings.Contains(err.Error(), p) {
		t.Fatalf("bad key: %v", err)
	}
}

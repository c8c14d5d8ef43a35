package feed

import (
	"archive/zip"
	"bytes"
	"compress/gzip"
	"os"
	"path/filepath"
	"testing"
)

// sharedData returns the shared market data directory, from THUNES_SHARED
// (the shared dir) or ../../../shared next to the repository, and skips the
// test when it is absent.
func sharedData(tb testing.TB) string {
	tb.Helper()
	dir := os.Getenv("THUNES_SHARED")
	if dir == "" {
		dir = filepath.Join("..", "..", "..", "shared")
	}
	data := filepath.Join(dir, "data")
	if _, err := os.Stat(filepath.Join(data, "klines")); err != nil {
		tb.Skipf("shared market data not found at %s (set THUNES_SHARED to the shared dir): %v", data, err)
	}
	return data
}

func gzBytes(tb testing.TB, data []byte) []byte {
	tb.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	if _, err := zw.Write(data); err != nil {
		tb.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes()
}

// zipBytes returns a zip archive holding the named members, in order.
func zipBytes(tb testing.TB, members ...any) []byte {
	tb.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for i := 0; i+1 < len(members); i += 2 {
		w, err := zw.Create(members[i].(string))
		if err != nil {
			tb.Fatal(err)
		}
		if _, err := w.Write(members[i+1].([]byte)); err != nil {
			tb.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes()
}

// writeTemp writes data to a file called name in a fresh temp dir and
// returns its path.
func writeTemp(tb testing.TB, name string, data []byte) string {
	tb.Helper()
	p := filepath.Join(tb.TempDir(), name)
	if err := os.WriteFile(p, data, 0o644); err != nil {
		tb.Fatal(err)
	}
	return p
}

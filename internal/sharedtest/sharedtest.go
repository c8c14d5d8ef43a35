// Package sharedtest finds the real market data that tests and benchmarks
// use in place (../shared/data beside the repository, or the shared
// directory named by THUNES_SHARED), and skips with a clear message when it
// is absent. It is imported only by tests.
package sharedtest

import (
	"bytes"
	"os"
	"path/filepath"
	"sync"
	"testing"
)

// Data returns the shared market data directory, or skips tb when it has no
// klines.
func Data(tb testing.TB) string {
	tb.Helper()
	data := dataDir()
	if _, err := os.Stat(filepath.Join(data, "klines")); err != nil {
		tb.Skipf("shared market data not found at %s (set THUNES_SHARED to the shared directory): %v", data, err)
	}
	return data
}

// File returns the path of a file under the shared data directory, such as
// File(tb, "klines", "spot", "BTCUSDT-1m.csv.gz"), or skips tb when it is
// absent.
func File(tb testing.TB, elem ...string) string {
	tb.Helper()
	path := filepath.Join(append([]string{dataDir()}, elem...)...)
	if _, err := os.Stat(path); err != nil {
		tb.Skipf("shared market data file not found (set THUNES_SHARED to the shared directory): %v", err)
	}
	return path
}

// Vectors returns the path of Binance's official test vectors
// (testdata/binance/vectors.json in the shared directory), or skips tb when
// they are absent.
func Vectors(tb testing.TB) string {
	tb.Helper()
	path := filepath.Join(sharedDir(), "testdata", "binance", "vectors.json")
	if _, err := os.Stat(path); err != nil {
		tb.Skipf("Binance test vectors not found (set THUNES_SHARED to the shared directory): %v", err)
	}
	return path
}

func dataDir() string { return filepath.Join(sharedDir(), "data") }

// sharedDir is THUNES_SHARED, or the directory "shared" beside the
// repository: the nearest parent of the working directory holding go.mod.
func sharedDir() string {
	if dir := os.Getenv("THUNES_SHARED"); dir != "" {
		return dir
	}
	dir, err := os.Getwd()
	if err != nil {
		return filepath.Join("..", "..", "..", "shared")
	}
	for d := dir; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			return filepath.Join(filepath.Dir(d), "shared")
		}
		if filepath.Dir(d) == d {
			return filepath.Join("..", "..", "..", "shared")
		}
	}
}

// Buffer is a bytes.Buffer that several goroutines may write, for tests
// that capture a running program's output.
type Buffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

// Write implements io.Writer.
func (s *Buffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

// String returns what was written so far.
func (s *Buffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// Package sharedtest finds the real market data that tests and benchmarks
// use in place (../shared/data beside the repository, or the shared
// directory named by THUNES_SHARED), and skips with a clear message when it
// is absent. It is imported only by tests.
package sharedtest

import (
	"os"
	"path/filepath"
	"testing"
)

// Data returns the shared market data directory, or skips tb when it has no
// klines. Relative paths assume a package two levels below the repository
// root, as every package here is.
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

func dataDir() string {
	dir := os.Getenv("THUNES_SHARED")
	if dir == "" {
		dir = filepath.Join("..", "..", "..", "shared")
	}
	return filepath.Join(dir, "data")
}

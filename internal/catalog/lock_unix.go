//go:build unix

package catalog

import (
	"fmt"
	"os"
	"path/filepath"
	"syscall"
)

// lock takes the catalog's exclusive import lock, waiting for another
// import, in this process or another, to finish. The lock is released by
// calling the returned function, or by the process ending.
func (c *Catalog) lock() (func(), error) {
	path := filepath.Join(c.dir, ".lock")
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("lock catalog: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		f.Close()
		return nil, fmt.Errorf("lock catalog %s: %w", path, err)
	}
	return func() {
		syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
		f.Close()
	}, nil
}

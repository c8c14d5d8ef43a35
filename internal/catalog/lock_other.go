//go:build !unix

package catalog

// lock is a no-op where flock is not available: there, concurrent imports
// into one catalog must be avoided by the caller.
func (c *Catalog) lock() (func(), error) {
	return func() {}, nil
}

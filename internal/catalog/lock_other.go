//go:build !unix

package catalog

// lock is a no-op where file locks are not available: imports are then
// serialized only within one Catalog value (see Catalog.mu).
func (c *Catalog) lock() (func(), error) {
	return func() {}, nil
}

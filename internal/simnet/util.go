package simnet

import (
	"slices"

	"github.com/thunes/thunes/internal/num"
)

func slicesSortInt64(s []int64, desc bool) {
	slices.Sort(s)
	if desc {
		slices.Reverse(s)
	}
}

func sortStrings(s []string) { slices.Sort(s) }

// sortPairs sorts price levels by price, descending for bids.
func sortPairs(l [][2]string, desc bool) {
	slices.SortFunc(l, func(a, b [2]string) int {
		c := num.MustParse(a[0]).Cmp(num.MustParse(b[0]))
		if desc {
			return -c
		}
		return c
	})
}

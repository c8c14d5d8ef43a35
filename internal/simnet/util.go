package simnet

import "slices"

func slicesSortInt64(s []int64, desc bool) {
	slices.Sort(s)
	if desc {
		slices.Reverse(s)
	}
}

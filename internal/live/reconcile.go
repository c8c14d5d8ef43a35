package live

import (
	"fmt"
	"slices"
	"strings"

	"github.com/thunes/thunes/internal/num"
)

// Books is one side's view of the account, for reconciliation.
type Books struct {
	// Open are the open orders: client id → symbol.
	Open map[string]string
	// Held is the base quantity held per symbol, by this session.
	Held map[string]num.Decimal
	// Trades are the trade ids per symbol since the session started.
	Trades map[string]map[int64]bool
}

// Report is the outcome of one reconciliation.
type Report struct {
	Time int64 `json:"time"`
	// Problems says each difference found, in a fixed order.
	Problems []string `json:"problems"`
	// PositionDesync is set when a holding differs: the kill-switch's case.
	PositionDesync bool `json:"position_desync"`
}

// Clean reports whether the books agree.
func (r *Report) Clean() bool { return len(r.Problems) == 0 }

// String lists the problems, or says the books agree.
func (r *Report) String() string {
	if r.Clean() {
		return "reconciliation clean"
	}
	return "reconciliation found " + fmt.Sprint(len(r.Problems)) + " problem(s): " + strings.Join(r.Problems, "; ")
}

// Compare sets ours (the engine's and the store's books) against theirs
// (the exchange's). Positions are compared per symbol to the last decimal;
// open orders and trades by id, both ways.
func Compare(ours, theirs Books, at int64) *Report {
	r := &Report{Time: at}
	for _, id := range sortedKeys(theirs.Open) {
		if _, ok := ours.Open[id]; !ok {
			r.Problems = append(r.Problems, fmt.Sprintf("open order %s on %s at the exchange is not ours or not known open", id, theirs.Open[id]))
		}
	}
	for _, id := range sortedKeys(ours.Open) {
		if _, ok := theirs.Open[id]; !ok {
			r.Problems = append(r.Problems, fmt.Sprintf("order %s on %s is open in our books but not at the exchange", id, ours.Open[id]))
		}
	}
	syms := map[string]bool{}
	for s := range ours.Held {
		syms[s] = true
	}
	for s := range theirs.Held {
		syms[s] = true
	}
	for _, s := range sortedKeys(syms) {
		a, b := ours.Held[s], theirs.Held[s]
		if !a.Equal(b) {
			r.PositionDesync = true
			r.Problems = append(r.Problems, fmt.Sprintf("%s: we hold %s, the exchange shows %s", s, a, b))
		}
	}
	tsyms := map[string]bool{}
	for s := range ours.Trades {
		tsyms[s] = true
	}
	for s := range theirs.Trades {
		tsyms[s] = true
	}
	for _, s := range sortedKeys(tsyms) {
		var missing, extra []int64
		for id := range theirs.Trades[s] {
			if !ours.Trades[s][id] {
				missing = append(missing, id)
			}
		}
		for id := range ours.Trades[s] {
			if !theirs.Trades[s][id] {
				extra = append(extra, id)
			}
		}
		slices.Sort(missing)
		slices.Sort(extra)
		if len(missing) > 0 {
			r.Problems = append(r.Problems, fmt.Sprintf("%s: %d trade(s) at the exchange not recorded here: %s", s, len(missing), ids(missing)))
		}
		if len(extra) > 0 {
			r.Problems = append(r.Problems, fmt.Sprintf("%s: %d recorded trade(s) the exchange does not show: %s", s, len(extra), ids(extra)))
		}
	}
	return r
}

func ids(v []int64) string {
	const most = 10
	parts := make([]string, 0, min(len(v), most)+1)
	for i, id := range v {
		if i == most {
			parts = append(parts, "…")
			break
		}
		parts = append(parts, fmt.Sprint(id))
	}
	return strings.Join(parts, ", ")
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

package binance

import (
	"fmt"
	"sort"

	"github.com/thunes/thunes/internal/num"
)

// Book is a local order book kept in sync from a depth snapshot and diff
// events (binance-api.md §7). It is not safe for concurrent use.
type Book struct {
	Symbol string
	// UpdateID is the last update id applied.
	UpdateID int64
	bids     []Level // descending
	asks     []Level // ascending
	synced   bool
	buffer   []*DepthUpdate
}

// maxBuffered bounds the diffs held while waiting for a snapshot.
const maxBuffered = 10_000

// Synced reports whether the book has a snapshot and every diff since.
func (b *Book) Synced() bool { return b.synced }

// Bids returns the bid levels, best first. The slice is the book's.
func (b *Book) Bids() []Level { return b.bids }

// Asks returns the ask levels, best first. The slice is the book's.
func (b *Book) Asks() []Level { return b.asks }

// BookResult says what Apply or Load did.
type BookResult uint8

// Book results.
const (
	// BookBuffered: no snapshot yet; the diff was kept for later.
	BookBuffered BookResult = iota + 1
	// BookApplied: the diff changed the book.
	BookApplied
	// BookIgnored: the diff was older than the book.
	BookIgnored
	// BookNeedSnapshot: a snapshot is needed (first diff, a gap, or a
	// snapshot older than the buffered diffs); the book is unsynced.
	BookNeedSnapshot
)

// Apply feeds one diff event.
func (b *Book) Apply(d *DepthUpdate) BookResult {
	if !b.synced {
		if len(b.buffer) >= maxBuffered {
			b.buffer = b.buffer[:0]
		}
		b.buffer = append(b.buffer, d)
		if len(b.buffer) == 1 {
			return BookNeedSnapshot
		}
		return BookBuffered
	}
	switch {
	case d.LastID <= b.UpdateID:
		return BookIgnored
	case d.FirstID > b.UpdateID+1:
		b.reset()
		b.buffer = append(b.buffer, d)
		return BookNeedSnapshot
	}
	b.set(d)
	return BookApplied
}

func (b *Book) reset() {
	b.synced, b.bids, b.asks, b.buffer = false, b.bids[:0], b.asks[:0], b.buffer[:0]
}

// Load installs a snapshot and applies the buffered diffs after it. It
// returns BookNeedSnapshot (and stays unsynced) when the snapshot is older
// than the first buffered diff or a gap follows it.
func (b *Book) Load(s *DepthSnapshot) (BookResult, error) {
	if len(b.buffer) > 0 && s.LastUpdateID < b.buffer[0].FirstID-1 {
		return BookNeedSnapshot, nil
	}
	b.bids = append(b.bids[:0], s.Bids...)
	b.asks = append(b.asks[:0], s.Asks...)
	b.UpdateID, b.synced = s.LastUpdateID, true
	buf := b.buffer
	b.buffer = nil
	for _, d := range buf {
		if b.Apply(d) == BookNeedSnapshot {
			return BookNeedSnapshot, fmt.Errorf("depth %s: gap after snapshot %d: diff %d-%d", b.Symbol, s.LastUpdateID, d.FirstID, d.LastID)
		}
	}
	b.buffer = buf[:0]
	return BookApplied, nil
}

func (b *Book) set(d *DepthUpdate) {
	for _, l := range d.Bids {
		b.bids = setLevel(b.bids, l, func(p num.Decimal) bool { return p.Cmp(l.Price) <= 0 })
	}
	for _, l := range d.Asks {
		b.asks = setLevel(b.asks, l, func(p num.Decimal) bool { return p.Cmp(l.Price) >= 0 })
	}
	b.UpdateID = d.LastID
}

// setLevel sets l's quantity in side (0 deletes); atOrPast finds the first
// level at l's price or beyond it in the side's order.
func setLevel(side []Level, l Level, atOrPast func(num.Decimal) bool) []Level {
	i := sort.Search(len(side), func(i int) bool { return atOrPast(side[i].Price) })
	if i < len(side) && side[i].Price.Equal(l.Price) {
		if l.Qty.IsZero() {
			return append(side[:i], side[i+1:]...)
		}
		side[i].Qty = l.Qty
		return side
	}
	if l.Qty.IsZero() {
		return side // deleting a level we do not have is normal
	}
	side = append(side, Level{})
	copy(side[i+1:], side[i:])
	side[i] = l
	return side
}

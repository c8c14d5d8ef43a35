package store

import (
	"fmt"

	"github.com/thunes/thunes/internal/journal"
	"github.com/thunes/thunes/internal/order"
	"github.com/thunes/thunes/internal/venue"
)

// ReportRecord is how a venue report applied to order o is recorded: its
// journal entry, the order's new state to store (none for a refused
// cancel), and for a fill the fill to store, which must be new.
type ReportRecord struct {
	Entry       journal.Entry
	UpdateOrder bool
	Fill        *Fill
}

// RecordReport describes the report rep of order o of run, on the venue
// venueName (whose trade ids the fill carries).
func RecordReport(run, venueName string, o *order.Order, rep *venue.Report) (ReportRecord, error) {
	data := map[string]any{"run": run, "client_id": o.ClientID, "symbol": o.Symbol, "status": o.Status.String()}
	rr := ReportRecord{UpdateOrder: true}
	var kind string
	switch {
	case rep.CancelRejected:
		kind, rr.UpdateOrder = journal.KindCancelReject, false
		data["code"], data["reason"] = int64(rep.Code), rep.Reason
	case rep.Kind == order.Ack:
		kind = journal.KindAck
		data["order_id"] = rep.OrderID
	case rep.Kind == order.Trade:
		kind = journal.KindFill
		f := rep.Fill
		data["venue"], data["trade_id"], data["side"] = venueName, f.TradeID, f.Side.String()
		data["price"], data["qty"], data["commission"], data["commission_asset"] = f.Price, f.Qty, f.Commission, f.CommissionAsset
		data["maker"], data["filled"], data["time"] = f.Maker, o.FilledQty, f.Time
		rr.Fill = &Fill{Venue: venueName, RunID: run, Fill: f}
	case rep.Kind == order.Cancel:
		kind = journal.KindCancel
	case rep.Kind == order.Reject:
		kind = journal.KindReject
		data["code"], data["reason"] = int64(rep.Code), rep.Reason
	case rep.Kind == order.Expire:
		kind = journal.KindExpire
		data["reason"] = rep.Reason
	default:
		return rr, fmt.Errorf("record report: unknown kind %s", rep.Kind)
	}
	rr.Entry = journal.Entry{Time: rep.Time, Actor: "venue", Kind: kind, Data: data}
	return rr, nil
}

// Ops are the state changes of the record, to run in the transaction that
// journals it: the fill (refused if its trade id is already stored: a fill
// counts once) and the order's state.
func (rr *ReportRecord) Ops(o *order.Order) []func(*Tx) error {
	var ops []func(*Tx) error
	if f := rr.Fill; f != nil {
		ops = append(ops, func(tx *Tx) error {
			isNew, err := tx.InsertFill(f)
			if err == nil && !isNew {
				err = fmt.Errorf("fill %s %s #%d is already recorded: not counting it twice", f.Venue, f.Symbol, f.TradeID)
			}
			return err
		})
	}
	if rr.UpdateOrder {
		id, st, filled, at := o.ClientID, o.Status, o.FilledQty, o.Updated
		ops = append(ops, func(tx *Tx) error { return tx.UpdateOrder(id, st, filled, at) })
	}
	return ops
}

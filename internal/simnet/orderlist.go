package simnet

import (
	"net/http"
	"sort"

	"github.com/thunes/thunes/internal/num"
	"github.com/thunes/thunes/internal/order"
)

// orderList is an OCO: two orders of which the first to trade (or
// trigger) expires the other.
type orderList struct {
	ID       int64    `json:"id"`
	ClientID string   `json:"client_id"`
	Symbol   string   `json:"symbol"`
	Orders   [2]int64 `json:"orders"` // above leg, below leg
	Status   string   `json:"status"` // EXECUTING or ALL_DONE
	Time     int64    `json:"time"`
}

// placeOCO checks and places an OCO: above and below are its legs, which
// share one lock (held by the above leg until one of them fires).
func (x *Exchange) placeOCO(key, listClientID string, above, below *orderRequest, nowMs int64) (*orderList, []*simOrder, *apiError) {
	a := x.accounts[key]
	aboveT, _ := order.ParseType(above.Type)
	belowT, _ := order.ParseType(below.Type)
	okAbove := map[order.Type]bool{order.StopLoss: true, order.StopLossLimit: true, order.LimitMaker: true, order.TakeProfit: true, order.TakeProfitLimit: true}
	okBelow := map[order.Type]bool{order.StopLoss: true, order.StopLossLimit: true, order.TakeProfit: true, order.TakeProfitLimit: true}
	if !okAbove[aboveT] || !okBelow[belowT] {
		return nil, nil, errf(http.StatusBadRequest, codeInvalidOrderType, "Invalid orderType.")
	}
	isStop := func(t order.Type) bool { return t == order.StopLoss || t == order.StopLossLimit }
	if isStop(aboveT) == isStop(belowT) {
		return nil, nil, errf(http.StatusBadRequest, codeNewOrderRejected, "Unsupported order combination")
	}
	var ins [2]*book
	var needs [2]num.Decimal
	var asset string
	for i, r := range []*orderRequest{above, below} {
		in, bk, aerr := x.checkOrder(a, r, nowMs)
		if aerr != nil {
			return nil, nil, aerr
		}
		typ, _ := order.ParseType(r.Type)
		if typ == order.LimitMaker && bk.wouldCross(&simOrder{Side: r.Side, Price: r.Price}) {
			return nil, nil, errWouldTake
		}
		ins[i] = bk
		needs[i], asset = orderNeed(in, bk, r, typ)
	}
	if above.ClientID != "" && above.ClientID == below.ClientID {
		return nil, nil, errDuplicateOrder
	}
	// The above leg's price (or stop) must be above the last price, the
	// below leg's under it.
	level := func(r *orderRequest, t order.Type) num.Decimal {
		if t == order.LimitMaker {
			return r.Price
		}
		return r.StopPrice
	}
	last := ins[0].last
	if level(above, aboveT).Cmp(last) <= 0 || level(below, belowT).Cmp(last) >= 0 {
		return nil, nil, errf(http.StatusBadRequest, codeNewOrderRejected, "The relationship of the prices for the orders is not correct.")
	}
	lock := num.Max(needs[0], needs[1])
	if a.bal(asset).Free.Cmp(lock) < 0 {
		return nil, nil, errInsufficient
	}
	for range 2 {
		if aerr := x.countOrder(a, nowMs, false); aerr != nil {
			return nil, nil, aerr
		}
	}
	x.nextListID++
	if listClientID == "" {
		listClientID = x.newClientID()
	}
	l := &orderList{ID: x.nextListID, ClientID: listClientID, Symbol: above.Symbol, Status: "EXECUTING", Time: nowMs}
	var legs []*simOrder
	for i, r := range []*orderRequest{above, below} {
		x.nextOrderID++
		cid := r.ClientID
		if cid == "" {
			cid = x.newClientID()
		}
		o := &simOrder{
			Account: key, Symbol: r.Symbol, ID: x.nextOrderID, ListID: l.ID, ClientID: cid,
			Side: r.Side, Type: r.Type, TIF: r.TIF, Price: r.Price, StopPrice: r.StopPrice,
			OrigQty: r.Qty, Status: stNew, Time: nowMs, Update: nowMs, Working: nowMs,
		}
		if o.typ().IsStop() {
			o.Working = -1
		}
		l.Orders[i] = o.ID
		a.Orders[o.ID] = o
		legs = append(legs, o)
	}
	legs[0].Locked = lock
	b := a.bal(asset)
	b.Free = mustSub(b.Free, lock)
	b.Locked = mustAdd(b.Locked, lock)
	if a.Lists == nil {
		a.Lists = map[int64]*orderList{}
	}
	a.Lists[l.ID] = l
	x.dirty = true
	for _, o := range legs {
		x.emit(userEvent{Account: key, Order: o, Exec: "NEW", Time: nowMs})
		x.rest(o)
	}
	x.emitList(a, l, nowMs)
	x.emit(userEvent{Account: key, Assets: []string{asset}, Time: nowMs})
	return l, legs, nil
}

// ocoFire is called when leg o of an order list trades or triggers: the
// other leg expires and o takes over the list's lock.
func (x *Exchange) ocoFire(a *account, o *simOrder, nowMs int64) {
	l := a.Lists[o.ListID]
	if l == nil || l.Status != "EXECUTING" {
		return
	}
	l.Status = "ALL_DONE"
	otherID := l.Orders[0]
	if otherID == o.ID {
		otherID = l.Orders[1]
	}
	other := a.Orders[otherID]
	if other == nil || !other.open() {
		return
	}
	o.Locked = mustAdd(o.Locked, other.Locked)
	other.Locked = num.Zero
	x.unrest(other)
	x.finish(a, other, stExpired, "OCO_TRIGGER", nowMs)
	x.emitList(a, l, nowMs)
}

// emitList queues a listStatus event for l (x.mu held).
func (x *Exchange) emitList(a *account, l *orderList, nowMs int64) {
	if len(x.userSubs[a.key]) == 0 {
		return
	}
	v := l.view(a, nowMs)
	x.emit(userEvent{Account: a.key, List: &v, Time: nowMs})
}

// cancelList cancels the open legs of l.
func (x *Exchange) cancelList(a *account, l *orderList, nowMs int64) []*simOrder {
	l.Status = "ALL_DONE"
	var legs []*simOrder
	// The leg without the lock goes first, so the lock is released last.
	ids := []int64{l.Orders[1], l.Orders[0]}
	for _, id := range ids {
		if o := a.Orders[id]; o != nil && o.open() {
			x.cancel(a, o, nowMs)
		}
	}
	for _, id := range l.Orders {
		if o := a.Orders[id]; o != nil {
			legs = append(legs, o)
		}
	}
	x.dirty = true
	x.emitList(a, l, nowMs)
	return legs
}

// readLeg reads one OCO leg's parameters, prefixed with above or below.
func (c *call) readLeg(prefix, symbol, side string, qty num.Decimal) (*orderRequest, *apiError) {
	r := &orderRequest{Symbol: symbol, Side: side, Qty: qty}
	var aerr *apiError
	if r.Type, aerr = c.p.require(prefix + "Type"); aerr != nil {
		return nil, aerr
	}
	r.TIF = c.p.get(prefix + "TimeInForce")
	r.ClientID = c.p.get(prefix + "ClientOrderId")
	if r.ClientID != "" && !validClientID(r.ClientID) {
		return nil, errIllegal(prefix + "ClientOrderId")
	}
	if r.Price, _, aerr = c.p.decimalParam(prefix + "Price"); aerr != nil {
		return nil, aerr
	}
	if r.StopPrice, _, aerr = c.p.decimalParam(prefix + "StopPrice"); aerr != nil {
		return nil, aerr
	}
	if r.Iceberg, _, aerr = c.p.decimalParam(prefix + "IcebergQty"); aerr != nil {
		return nil, aerr
	}
	if r.TrailingDelta, aerr = c.p.int64Param(prefix+"TrailingDelta", 0); aerr != nil {
		return nil, aerr
	}
	return r, nil
}

type listOrderJSON struct {
	Symbol        string `json:"symbol"`
	OrderID       int64  `json:"orderId"`
	ClientOrderID string `json:"clientOrderId"`
}

type listJSON struct {
	OrderListID       int64           `json:"orderListId"`
	ContingencyType   string          `json:"contingencyType"`
	ListStatusType    string          `json:"listStatusType"`
	ListOrderStatus   string          `json:"listOrderStatus"`
	ListClientOrderID string          `json:"listClientOrderId"`
	TransactionTime   int64           `json:"transactionTime"`
	Symbol            string          `json:"symbol"`
	Orders            []listOrderJSON `json:"orders"`
	OrderReports      []orderJSON     `json:"orderReports,omitempty"`
}

func (l *orderList) view(a *account, t int64) listJSON {
	v := listJSON{OrderListID: l.ID, ContingencyType: "OCO", ListStatusType: "EXEC_STARTED", ListOrderStatus: "EXECUTING",
		ListClientOrderID: l.ClientID, TransactionTime: t, Symbol: l.Symbol}
	if l.Status == "ALL_DONE" {
		v.ListStatusType, v.ListOrderStatus = "ALL_DONE", "ALL_DONE"
	}
	for _, id := range l.Orders {
		if o := a.Orders[id]; o != nil {
			v.Orders = append(v.Orders, listOrderJSON{o.Symbol, o.ID, o.ClientID})
		}
	}
	return v
}

func postOCO(c *call) (any, *apiError) {
	symbol, aerr := c.p.require("symbol")
	if aerr != nil {
		return nil, aerr
	}
	side, aerr := c.p.require("side")
	if aerr != nil {
		return nil, aerr
	}
	qty, ok, aerr := c.p.decimalParam("quantity")
	if aerr != nil {
		return nil, aerr
	}
	if !ok {
		return nil, errMandatory("quantity")
	}
	above, aerr := c.readLeg("above", symbol, side, qty)
	if aerr != nil {
		return nil, aerr
	}
	below, aerr := c.readLeg("below", symbol, side, qty)
	if aerr != nil {
		return nil, aerr
	}
	lcid := c.p.get("listClientOrderId")
	if lcid != "" && !validClientID(lcid) {
		return nil, errIllegal("listClientOrderId")
	}
	if aerr := c.x.faults.rejectOrder(); aerr != nil {
		return nil, aerr
	}
	l, legs, aerr := c.x.placeOCO(c.key.APIKey, lcid, above, below, c.nowMs)
	if aerr != nil {
		return nil, aerr
	}
	v := l.view(c.acct, c.nowMs)
	for _, o := range legs {
		r := o.view()
		tt, wt := c.nowMs, o.Working
		r.TransactTime, r.WorkingTime = &tt, &wt
		v.OrderReports = append(v.OrderReports, r)
	}
	return v, nil
}

// findList locates an order list by orderListId or listClientOrderId (or
// origClientOrderId, GET's name for it).
func (c *call) findList(forCancel bool) (*orderList, *apiError) {
	id, aerr := c.p.int64Param("orderListId", -1)
	if aerr != nil {
		return nil, aerr
	}
	cid := c.p.get("listClientOrderId")
	if cid == "" {
		cid = c.p.get("origClientOrderId")
	}
	if id < 0 && cid == "" {
		return nil, errf(http.StatusBadRequest, codeMandatoryParam, "Param 'orderListId' or 'listClientOrderId' must be sent, but both were empty/null!")
	}
	notFound := errUnknownOrder
	if forCancel {
		notFound = errCancelUnknown
	}
	if id >= 0 {
		l := c.acct.Lists[id]
		if l == nil || (cid != "" && l.ClientID != cid) {
			return nil, notFound
		}
		return l, nil
	}
	var found *orderList
	for _, l := range c.acct.Lists {
		if l.ClientID == cid && (found == nil || l.ID > found.ID) {
			found = l
		}
	}
	if found == nil {
		return nil, notFound
	}
	return found, nil
}

func deleteOrderList(c *call) (any, *apiError) {
	if _, aerr := c.symbolBook(); aerr != nil {
		return nil, aerr
	}
	l, aerr := c.findList(true)
	if aerr != nil {
		return nil, aerr
	}
	if l.Status != "EXECUTING" || l.Symbol != c.p.get("symbol") {
		return nil, errCancelUnknown
	}
	return c.cancelListView(l), nil
}

// cancelListView cancels l and returns Binance's list cancel reply.
func (c *call) cancelListView(l *orderList) listJSON {
	for _, id := range l.Orders {
		if o := c.acct.Orders[id]; o != nil && o.cancelID == "" {
			o.cancelID = c.x.newClientID()
		}
	}
	legs := c.x.cancelList(c.acct, l, c.nowMs)
	v := l.view(c.acct, c.nowMs)
	for _, o := range legs {
		r := o.view()
		r.OrigClientOrderID = o.ClientID
		r.ClientOrderID = o.cancelID
		tt := c.nowMs
		r.TransactTime = &tt
		v.OrderReports = append(v.OrderReports, r)
	}
	return v
}

func getOrderList(c *call) (any, *apiError) {
	l, aerr := c.findList(false)
	if aerr != nil {
		return nil, aerr
	}
	return l.view(c.acct, l.Time), nil
}

func (c *call) lists(onlyOpen bool) []listJSON {
	var ls []*orderList
	for _, l := range c.acct.Lists {
		if !onlyOpen || l.Status == "EXECUTING" {
			ls = append(ls, l)
		}
	}
	sort.Slice(ls, func(i, j int) bool { return ls[i].ID < ls[j].ID })
	out := make([]listJSON, len(ls))
	for i, l := range ls {
		out[i] = l.view(c.acct, l.Time)
	}
	return out
}

func getOpenOrderLists(c *call) (any, *apiError) { return c.lists(true), nil }
func getAllOrderLists(c *call) (any, *apiError)  { return c.lists(false), nil }

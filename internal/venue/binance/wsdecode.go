package binance

import (
	"bytes"
	"encoding/json"
	"fmt"
	"unicode/utf8"

	"github.com/thunes/thunes/internal/market"
	"github.com/thunes/thunes/internal/num"
	"github.com/thunes/thunes/internal/order"
)

// BookTicker is the best bid and ask of a symbol (<symbol>@bookTicker).
type BookTicker struct {
	UpdateID int64
	Symbol   string
	BidPrice num.Decimal
	BidQty   num.Decimal
	AskPrice num.Decimal
	AskQty   num.Decimal
}

func (t *BookTicker) check() error {
	c := checker{what: "bookTicker"}
	c.id("u", t.UpdateID)
	c.symbol("s", t.Symbol)
	c.nonNeg("b", t.BidPrice)
	c.nonNeg("B", t.BidQty)
	c.nonNeg("a", t.AskPrice)
	c.nonNeg("A", t.AskQty)
	if t.BidPrice.IsPos() && t.AskPrice.IsPos() && t.BidPrice.Cmp(t.AskPrice) >= 0 {
		c.fail("crossed: bid %s >= ask %s", t.BidPrice, t.AskPrice)
	}
	return c.err
}

// DecodeBookTicker reads a bookTicker stream message into t without
// reflection and, on Binance's usual shape, without allocating (t.Symbol is
// reused when unchanged). Unusual but valid JSON falls back to encoding/json.
// On error t is unspecified.
func DecodeBookTicker(data []byte, t *BookTicker) error {
	if decodeBookTickerFast(data, t) {
		return t.check()
	}
	return decodeBookTickerSlow(data, t)
}

func decodeBookTickerFast(data []byte, t *BookTicker) bool {
	s := scanner{b: data}
	if !s.next('{') {
		return false
	}
	var seen uint8
	if s.next('}') {
		return false
	}
	for {
		key, ok := s.str()
		if !ok || !s.next(':') {
			return false
		}
		bit := uint8(0)
		if len(key) == 1 {
			switch key[0] {
			case 'u':
				bit = 1
				if t.UpdateID, ok = s.int(); !ok {
					return false
				}
			case 's':
				bit = 2
				v, ok := s.strRaw()
				if !ok {
					return false
				}
				if t.Symbol != string(v) {
					t.Symbol = string(v)
				}
			case 'b', 'B', 'a', 'A':
				v, ok := s.strRaw()
				if !ok {
					return false
				}
				d, err := parseDecimal(v)
				if err != nil {
					return false
				}
				switch key[0] {
				case 'b':
					bit, t.BidPrice = 4, d
				case 'B':
					bit, t.BidQty = 8, d
				case 'a':
					bit, t.AskPrice = 16, d
				case 'A':
					bit, t.AskQty = 32, d
				}
			default:
				if !s.skip() {
					return false
				}
			}
		} else if !s.skip() {
			return false
		}
		if bit != 0 {
			if seen&bit != 0 {
				return false // duplicate key: let encoding/json rule
			}
			seen |= bit
		}
		if s.next(',') {
			continue
		}
		if !s.next('}') {
			return false
		}
		break
	}
	return seen == 63 && s.end()
}

type bookTickerJSON struct {
	U  *int64       `json:"u"`
	S  *string      `json:"s"`
	Bp *num.Decimal `json:"b"`
	Bq *num.Decimal `json:"B"`
	Ap *num.Decimal `json:"a"`
	Aq *num.Decimal `json:"A"`
}

func decodeBookTickerSlow(data []byte, t *BookTicker) error {
	var j bookTickerJSON
	if err := unmarshal("bookTicker", data, &j); err != nil {
		return err
	}
	if j.U == nil || j.S == nil || j.Bp == nil || j.Bq == nil || j.Ap == nil || j.Aq == nil {
		return badf("bookTicker", "a field of u, s, b, B, a, A is missing")
	}
	*t = BookTicker{UpdateID: *j.U, Symbol: *j.S, BidPrice: *j.Bp, BidQty: *j.Bq, AskPrice: *j.Ap, AskQty: *j.Aq}
	return t.check()
}

// DecodeRESTBookTicker reads GET /api/v3/ticker/bookTicker for one symbol
// ({symbol, bidPrice, bidQty, askPrice, askQty}; no update id).
func DecodeRESTBookTicker(data []byte) (BookTicker, error) {
	var j struct {
		Symbol   string       `json:"symbol"`
		BidPrice *num.Decimal `json:"bidPrice"`
		BidQty   *num.Decimal `json:"bidQty"`
		AskPrice *num.Decimal `json:"askPrice"`
		AskQty   *num.Decimal `json:"askQty"`
	}
	if err := unmarshal("bookTicker", data, &j); err != nil {
		return BookTicker{}, err
	}
	if j.BidPrice == nil || j.BidQty == nil || j.AskPrice == nil || j.AskQty == nil {
		return BookTicker{}, badf("bookTicker", "a price or quantity is missing")
	}
	t := BookTicker{Symbol: j.Symbol, BidPrice: *j.BidPrice, BidQty: *j.BidQty, AskPrice: *j.AskPrice, AskQty: *j.AskQty}
	return t, t.check()
}

// SplitCombined unwraps a combined-stream message {"stream":..., "data":...}
// and returns the stream name and the raw data. A message without the
// envelope (a raw /ws/ stream) comes back as ("", msg). Binance's usual
// shape is split without allocating beyond the stream name; the data is not
// checked here but by the stream's decoder.
func SplitCombined(msg []byte) (stream string, data []byte, err error) {
	name, data, err := splitCombined(msg)
	return string(name), data, err
}

// splitCombined is SplitCombined returning the stream name as bytes of msg
// (or of a decoded copy), so the hot path does not allocate.
func splitCombined(msg []byte) (stream []byte, data []byte, err error) {
	s := scanner{b: msg}
	if !s.next('{') {
		return nil, nil, badf("stream message", "not a JSON object")
	}
	key, ok := s.str()
	if ok && string(key) != "stream" && string(key) != "data" {
		return nil, msg, nil // a raw stream message
	}
	if ok && string(key) == "stream" && s.next(':') {
		if name, ok := s.str(); ok && s.next(',') {
			if key, ok := s.str(); ok && string(key) == "data" && s.next(':') {
				end := len(msg) - 1
				for end > s.i && (msg[end] == ' ' || msg[end] == '\n' || msg[end] == '\r' || msg[end] == '\t') {
					end--
				}
				s.ws()
				if end > s.i && msg[end] == '}' && (msg[s.i] == '{' || msg[s.i] == '[') {
					d := bytes.TrimRight(msg[s.i:end], " \t\r\n")
					if len(d) > 0 && (d[len(d)-1] == '}' || d[len(d)-1] == ']') && len(name) > 0 && utf8.Valid(name) {
						return name, d, nil
					}
				}
			}
		}
	}
	var j struct {
		Stream string          `json:"stream"`
		Data   json.RawMessage `json:"data"`
	}
	if err := unmarshal("stream envelope", msg, &j); err != nil {
		return nil, nil, err
	}
	if j.Stream == "" || len(j.Data) == 0 {
		return nil, nil, badf("stream envelope", "stream or data is missing")
	}
	return []byte(j.Stream), j.Data, nil
}

// EventType returns the "e" field of a stream or user-data event ("" when
// absent, as on bookTicker).
func EventType(data []byte) (string, error) {
	var j struct {
		E1 string `json:"e"`
		E2 int64  `json:"E"`
	}
	if err := unmarshal("event", data, &j); err != nil {
		return "", err
	}
	return j.E1, nil
}

// KlineEvent is a <symbol>@kline_<interval> message.
type KlineEvent struct {
	EventTime int64
	Symbol    string
	Interval  market.Interval
	Kline
}

// DecodeKlineEvent reads a kline stream message.
func DecodeKlineEvent(data []byte) (*KlineEvent, error) {
	var j struct {
		Ev  string `json:"e"`
		EvT int64  `json:"E"`
		S   string `json:"s"`
		K   *struct {
			T0 int64       `json:"t"`
			T1 int64       `json:"T"`
			S  string      `json:"s"`
			I  string      `json:"i"`
			O  num.Decimal `json:"o"`
			C  num.Decimal `json:"c"`
			H  num.Decimal `json:"h"`
			L  num.Decimal `json:"l"`
			Lt int64       `json:"L"`
			V  num.Decimal `json:"v"`
			Vq num.Decimal `json:"V"`
			N  int64       `json:"n"`
			X  bool        `json:"x"`
			Q  num.Decimal `json:"q"`
			Qq num.Decimal `json:"Q"`
		} `json:"k"`
	}
	if err := unmarshal("kline", data, &j); err != nil {
		return nil, err
	}
	c := checker{what: "kline"}
	if j.Ev != "kline" || j.K == nil {
		c.fail("not a kline event (e=%.20q)", j.Ev)
		return nil, c.err
	}
	iv, err := market.ParseInterval(j.K.I)
	if err != nil {
		c.fail("interval: %v", err)
		return nil, c.err
	}
	k := &KlineEvent{EventTime: j.EvT, Symbol: j.S, Interval: iv, Kline: Kline{
		Bar:       market.Bar{Time: j.K.T0, Open: j.K.O, High: j.K.H, Low: j.K.L, Close: j.K.C, Volume: j.K.V},
		CloseTime: j.K.T1, QuoteVolume: j.K.Q, Trades: j.K.N, Closed: j.K.X}}
	c.symbol("s", j.S)
	if j.K.S != j.S {
		c.fail("k.s %.20q differs from s %.20q", j.K.S, j.S)
	}
	k.check(&c, "k")
	if iv > 0 && (k.Time%int64(iv) != 0 || k.CloseTime != k.Time+int64(iv)-1) {
		c.fail("k: open %d / close %d do not bound one %s interval", k.Time, k.CloseTime, iv)
	}
	if c.err != nil {
		return nil, c.err
	}
	return k, nil
}

// TradeEvent is a <symbol>@trade message.
type TradeEvent struct {
	EventTime    int64
	Symbol       string
	TradeID      int64
	Price        num.Decimal
	Qty          num.Decimal
	TradeTime    int64
	BuyerIsMaker bool
}

// DecodeTradeEvent reads a trade stream message.
func DecodeTradeEvent(data []byte) (*TradeEvent, error) {
	var j struct {
		Ev  string      `json:"e"`
		EvT int64       `json:"E"`
		S   string      `json:"s"`
		T   int64       `json:"t"`
		P   num.Decimal `json:"p"`
		Q   num.Decimal `json:"q"`
		Tt  int64       `json:"T"`
		M   bool        `json:"m"`
		Mm  bool        `json:"M"`
	}
	if err := unmarshal("trade", data, &j); err != nil {
		return nil, err
	}
	c := checker{what: "trade"}
	if j.Ev != "trade" {
		c.fail("not a trade event (e=%.20q)", j.Ev)
	}
	c.symbol("s", j.S)
	c.id("t", j.T)
	c.pos("p", j.P)
	c.pos("q", j.Q)
	c.time("T", j.Tt)
	if c.err != nil {
		return nil, c.err
	}
	return &TradeEvent{EventTime: j.EvT, Symbol: j.S, TradeID: j.T, Price: j.P, Qty: j.Q, TradeTime: j.Tt, BuyerIsMaker: j.M}, nil
}

// DepthUpdate is a <symbol>@depth diff: levels to set (quantity 0 deletes),
// covering update ids FirstID..LastID.
type DepthUpdate struct {
	EventTime int64
	Symbol    string
	FirstID   int64
	LastID    int64
	Bids      []Level
	Asks      []Level
}

// DecodeDepthUpdate reads a depthUpdate stream message.
func DecodeDepthUpdate(data []byte) (*DepthUpdate, error) {
	var j struct {
		Ev  string          `json:"e"`
		EvT int64           `json:"E"`
		S   string          `json:"s"`
		U0  *int64          `json:"U"`
		U1  *int64          `json:"u"`
		B   [][]num.Decimal `json:"b"`
		A   [][]num.Decimal `json:"a"`
	}
	if err := unmarshal("depthUpdate", data, &j); err != nil {
		return nil, err
	}
	c := checker{what: "depthUpdate"}
	if j.Ev != "depthUpdate" {
		c.fail("not a depthUpdate event (e=%.20q)", j.Ev)
	}
	c.symbol("s", j.S)
	if j.U0 == nil || j.U1 == nil {
		c.fail("U or u is missing")
		return nil, c.err
	}
	c.id("U", *j.U0)
	if *j.U1 < *j.U0 {
		c.fail("u %d is before U %d", *j.U1, *j.U0)
	}
	d := &DepthUpdate{EventTime: j.EvT, Symbol: j.S, FirstID: *j.U0, LastID: *j.U1}
	d.Bids = levels(&c, "b", j.B, false, false)
	d.Asks = levels(&c, "a", j.A, true, false)
	if c.err != nil {
		return nil, c.err
	}
	return d, nil
}

// ExecutionReport is a spot user-data executionReport: one change to one
// order.
type ExecutionReport struct {
	EventTime         int64
	Symbol            string
	ClientOrderID     string
	OrigClientOrderID string // set on cancels: the canceled order's id
	Side              order.Side
	Type              order.Type
	TimeInForce       order.TimeInForce
	Quantity          num.Decimal
	Price             num.Decimal
	StopPrice         num.Decimal
	QuoteOrderQty     num.Decimal
	// ExecType is x: NEW, CANCELED, REPLACED, REJECTED, TRADE, EXPIRED or
	// TRADE_PREVENTION.
	ExecType        string
	Status          order.Status
	RawStatus       string
	RejectReason    string
	OrderID         int64
	LastQty         num.Decimal
	LastPrice       num.Decimal
	CumQty          num.Decimal
	CumQuote        num.Decimal
	Commission      num.Decimal
	CommissionAsset string
	TransactTime    int64
	TradeID         int64 // -1 when no trade
	Maker           bool
	ExpiryReason    string
}

// OrderClientID returns the client id of the order the report is about: the
// original id on a cancel (whose c is the cancel request's own id).
func (e *ExecutionReport) OrderClientID() string {
	if e.ExecType == "CANCELED" && e.OrigClientOrderID != "" {
		return e.OrigClientOrderID
	}
	return e.ClientOrderID
}

// executionReportJSON names both cases of every letter Binance uses, since
// encoding/json matches keys case-insensitively when no exact field exists.
type executionReportJSON struct {
	Ev  string          `json:"e"`
	EvT int64           `json:"E"`
	S   string          `json:"s"`
	Sd  string          `json:"S"`
	C   string          `json:"c"`
	Co  *string         `json:"C"`
	O   string          `json:"o"`
	Ot  int64           `json:"O"`
	F   string          `json:"f"`
	Fi  num.Decimal     `json:"F"`
	Q   num.Decimal     `json:"q"`
	Qq  num.Decimal     `json:"Q"`
	P   num.Decimal     `json:"p"`
	Ps  num.Decimal     `json:"P"`
	X   string          `json:"x"`
	Xs  string          `json:"X"`
	R   string          `json:"r"`
	I   *int64          `json:"i"`
	Ie  int64           `json:"I"`
	L   num.Decimal     `json:"l"`
	Lp  num.Decimal     `json:"L"`
	Z   num.Decimal     `json:"z"`
	Zq  num.Decimal     `json:"Z"`
	N   *num.Decimal    `json:"n"`
	Na  *string         `json:"N"`
	T   *int64          `json:"t"`
	Tt  int64           `json:"T"`
	M   bool            `json:"m"`
	Mw  bool            `json:"M"`
	W   bool            `json:"w"`
	Wt  int64           `json:"W"`
	V   json.RawMessage `json:"v"`
	Vs  string          `json:"V"`
	Y   num.Decimal     `json:"Y"`
	G   int64           `json:"g"`
	ER  string          `json:"eR"`
}

// knownExecType reports whether x is an executionReport execution type.
func knownExecType(x string) bool {
	switch x {
	case "NEW", "CANCELED", "REPLACED", "REJECTED", "TRADE", "EXPIRED", "TRADE_PREVENTION":
		return true
	}
	return false
}

// DecodeExecutionReport reads an executionReport event (the inner event,
// without the WebSocket API envelope).
func DecodeExecutionReport(data []byte) (*ExecutionReport, error) {
	var j executionReportJSON
	if err := unmarshal("executionReport", data, &j); err != nil {
		return nil, err
	}
	c := checker{what: "executionReport"}
	if j.Ev != "executionReport" {
		c.fail("not an executionReport (e=%.20q)", j.Ev)
		return nil, c.err
	}
	c.symbol("s", j.S)
	c.clientID("c", j.C)
	if j.I == nil || j.T == nil {
		c.fail("i or t is missing")
		return nil, c.err
	}
	c.id("i", *j.I)
	if !knownExecType(j.X) {
		c.fail("unknown execution type x=%.20q", j.X)
	}
	e := &ExecutionReport{EventTime: j.EvT, Symbol: j.S, ClientOrderID: j.C, Quantity: j.Q, Price: j.P,
		StopPrice: j.Ps, QuoteOrderQty: j.Qq, ExecType: j.X, RawStatus: j.Xs, RejectReason: sanitize(j.R),
		OrderID: *j.I, LastQty: j.L, LastPrice: j.Lp, CumQty: j.Z, CumQuote: j.Zq, TransactTime: j.Tt,
		TradeID: *j.T, Maker: j.M, ExpiryReason: j.ER}
	if j.Co != nil {
		e.OrigClientOrderID = *j.Co
	}
	if j.N != nil {
		e.Commission = *j.N
	}
	if j.Na != nil {
		e.CommissionAsset = *j.Na
	}
	var err error
	if e.Status, err = parseStatus(j.Xs); err != nil {
		c.fail("X: %v", err)
	}
	if e.Side, err = order.ParseSide(j.Sd); err != nil {
		c.fail("S: %v", err)
	}
	if e.Type, err = order.ParseType(j.O); err != nil {
		c.fail("o: %v", err)
	}
	if j.F != "" && e.Type.HasLimitPrice() {
		if e.TimeInForce, err = order.ParseTimeInForce(j.F); err != nil {
			c.fail("f: %v", err)
		}
	}
	for _, f := range []struct {
		n string
		d num.Decimal
	}{{"q", e.Quantity}, {"p", e.Price}, {"P", e.StopPrice}, {"Q", e.QuoteOrderQty}, {"l", e.LastQty},
		{"L", e.LastPrice}, {"z", e.CumQty}, {"Z", e.CumQuote}, {"n", e.Commission}} {
		c.nonNeg(f.n, f.d)
	}
	if e.Quantity.IsPos() && e.Quantity.Less(e.CumQty) {
		c.fail("z %s exceeds q %s", e.CumQty, e.Quantity)
	}
	if e.CumQty.Less(e.LastQty) {
		c.fail("l %s exceeds z %s", e.LastQty, e.CumQty)
	}
	if e.ExecType == "TRADE" {
		c.pos("l", e.LastQty)
		c.pos("L", e.LastPrice)
		c.id("t", e.TradeID)
		if e.Commission.IsPos() {
			c.asset("N", e.CommissionAsset)
		}
	}
	c.time("T", e.TransactTime)
	if c.err != nil {
		return nil, c.err
	}
	return e, nil
}

// AccountPosition is an outboundAccountPosition event: the new balances of
// the assets that changed.
type AccountPosition struct {
	EventTime  int64
	UpdateTime int64
	Balances   []Balance
}

// DecodeAccountPosition reads an outboundAccountPosition event.
func DecodeAccountPosition(data []byte) (*AccountPosition, error) {
	var j struct {
		Ev  string `json:"e"`
		EvT int64  `json:"E"`
		U   int64  `json:"u"`
		B   []struct {
			A string      `json:"a"`
			F num.Decimal `json:"f"`
			L num.Decimal `json:"l"`
		} `json:"B"`
	}
	if err := unmarshal("outboundAccountPosition", data, &j); err != nil {
		return nil, err
	}
	c := checker{what: "outboundAccountPosition"}
	if j.Ev != "outboundAccountPosition" {
		c.fail("not an outboundAccountPosition (e=%.20q)", j.Ev)
	}
	p := &AccountPosition{EventTime: j.EvT, UpdateTime: j.U}
	for i, b := range j.B {
		bal := Balance{Asset: b.A, Free: b.F, Locked: b.L}
		c.balance(fmt.Sprintf("B[%d]", i), "a", "f", "l", bal)
		p.Balances = append(p.Balances, bal)
	}
	if c.err != nil {
		return nil, c.err
	}
	return p, nil
}

// BalanceUpdate is a balanceUpdate event: a deposit, withdrawal or transfer
// changed an asset by Delta.
type BalanceUpdate struct {
	EventTime int64
	Asset     string
	Delta     num.Decimal
	ClearTime int64
}

// DecodeBalanceUpdate reads a balanceUpdate event.
func DecodeBalanceUpdate(data []byte) (*BalanceUpdate, error) {
	var j struct {
		Ev  string       `json:"e"`
		EvT int64        `json:"E"`
		A   string       `json:"a"`
		D   *num.Decimal `json:"d"`
		T   int64        `json:"T"`
	}
	if err := unmarshal("balanceUpdate", data, &j); err != nil {
		return nil, err
	}
	c := checker{what: "balanceUpdate"}
	if j.Ev != "balanceUpdate" {
		c.fail("not a balanceUpdate (e=%.20q)", j.Ev)
	}
	c.asset("a", j.A)
	if j.D == nil {
		c.fail("d is missing")
		return nil, c.err
	}
	c.time("T", j.T)
	if c.err != nil {
		return nil, c.err
	}
	return &BalanceUpdate{EventTime: j.EvT, Asset: j.A, Delta: *j.D, ClearTime: j.T}, nil
}

// UserEvent is one decoded user-data event: exactly one field is set, or
// none for event types the client does not act on (Other names them).
type UserEvent struct {
	Execution *ExecutionReport
	Position  *AccountPosition
	Balance   *BalanceUpdate
	// Terminated is set on eventStreamTerminated: the subscription ended.
	Terminated bool
	Other      string
}

// DecodeUserEvent reads a user-data event, with or without the WebSocket API
// envelope {"subscriptionId":N,"event":{...}}.
func DecodeUserEvent(data []byte) (UserEvent, error) {
	if bytes.Contains(data, []byte(`"subscriptionId"`)) {
		var env struct {
			Event json.RawMessage `json:"event"`
		}
		if err := unmarshal("user event", data, &env); err != nil {
			return UserEvent{}, err
		}
		if len(env.Event) == 0 {
			return UserEvent{}, badf("user event", "envelope without event")
		}
		data = env.Event
	}
	typ, err := EventType(data)
	if err != nil {
		return UserEvent{}, err
	}
	var ev UserEvent
	switch typ {
	case "executionReport":
		ev.Execution, err = DecodeExecutionReport(data)
	case "outboundAccountPosition":
		ev.Position, err = DecodeAccountPosition(data)
	case "balanceUpdate":
		ev.Balance, err = DecodeBalanceUpdate(data)
	case "eventStreamTerminated":
		ev.Terminated = true
	case "":
		return UserEvent{}, badf("user event", "no event type")
	default:
		ev.Other = sanitize(typ)
	}
	return ev, err
}

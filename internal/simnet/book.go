package simnet

import (
	"fmt"
	"hash/fnv"
	"math"
	"math/rand/v2"

	"github.com/thunes/thunes/internal/feed"
	"github.com/thunes/thunes/internal/market"
	"github.com/thunes/thunes/internal/num"
)

// Book geometry. Levels sit on a grid of unit ticks (unit is about 0.1 bp
// of the starting price), bestBid is a grid index and the best ask is the next
// one, so the spread is one grid step; each side keeps bookLevels levels.
const (
	bookLevels  = 1000
	historyBars = 1500 // one-minute klines generated before the start: 25 h
	tapeSize    = 1000 // public trades kept for GET /api/v3/trades
	maxKlines   = 20000
	minuteMs    = 60_000
	// volPerMinute is the standard deviation of the one-minute log return.
	volPerMinute = 0.0008
)

// startPrices are where the synthetic market of the shipped symbols starts.
var startPrices = map[string]string{
	"BTCUSDT": "65000", "ETHUSDT": "3500", "BNBUSDT": "600", "SOLUSDT": "150",
	"XRPUSDT": "0.6", "ADAUSDT": "0.45", "DOGEUSDT": "0.15", "LTCUSDT": "80",
}

// pubTrade is a trade on the public tape.
type pubTrade struct {
	ID           int64
	Price, Qty   num.Decimal
	Quote        num.Decimal
	Time         int64
	IsBuyerMaker bool
}

// kline is a one-minute candle with Binance's extra columns.
type kline struct {
	market.Bar
	Quote, TakerBase, TakerQuote num.Decimal
	Trades                       int64
	FirstID, LastID              int64
}

// depthDiff is one depth update: the ids it spans and the levels it set
// (quantity 0 removes a level).
type depthDiff struct {
	First, Last int64
	Time        int64
	Bids, Asks  [][2]num.Decimal
}

// book is one symbol's market: a synthetic order book around a fair price
// that follows a random walk, the public trade tape and one-minute klines.
// It is owned by the exchange and guarded by the exchange's lock.
type book struct {
	in        *market.Instrument
	tickCoef  int64
	tickScale uint8
	unit      int64 // grid step, in ticks
	lot       num.Decimal
	rng       *rand.Rand
	fair      float64 // fair price in the quote asset (statistics only)
	levelQty  float64 // mean base quantity of a level
	bestBid   int64   // grid index of the best bid; the best ask is bestBid+1
	bids      []num.Decimal
	asks      []num.Decimal
	updateID  int64
	tradeID   int64
	tape      []pubTrade
	klines    []kline
	last      num.Decimal

	// pending collects what the current step changed, for the streams.
	pendingBids map[int64]num.Decimal
	pendingAsks map[int64]num.Decimal
	pendingFrom int64
	newTrades   []pubTrade
	// snapFloor is the smallest last id the next diff may carry: one above
	// the lastUpdateId of the latest REST snapshot.
	snapFloor int64

	// replay, when set, drives the fair price along these one-minute bars
	// (market time replayT seconds into them); after the last bar the
	// random walk takes over.
	replay  []market.Bar
	replayT float64

	// avg caches avgPrice for the second avgAt and the last trade avgTrade.
	avg      num.Decimal
	avgAt    int64
	avgTrade int64
}

// newBook starts a symbol's market at the shipped start price (or 100) with
// historyBars synthetic one-minute klines before now.
func newBook(in *market.Instrument, seed uint64, nowMs int64, liquidity float64, replay []market.Bar) (*book, error) {
	f := in.Filters
	if f.Price == nil || f.Price.TickSize.IsZero() || f.LotSize == nil || f.LotSize.StepSize.IsZero() {
		return nil, fmt.Errorf("symbol %s: needs PRICE_FILTER tickSize and LOT_SIZE stepSize", in.Symbol)
	}
	tick := f.Price.TickSize
	scale := tick.Scale()
	coef, ok := tick.Unscaled(scale)
	if !ok || coef <= 0 {
		return nil, fmt.Errorf("symbol %s: tick %s", in.Symbol, tick)
	}
	start := num.FromInt(100)
	if s, ok := startPrices[in.Symbol]; ok {
		start = num.MustParse(s)
	}
	h := fnv.New64a()
	h.Write([]byte(in.Symbol))
	b := &book{
		in: in, tickCoef: coef, tickScale: scale, lot: f.LotSize.StepSize,
		rng:         rand.New(rand.NewPCG(seed, h.Sum64())),
		pendingBids: map[int64]num.Decimal{}, pendingAsks: map[int64]num.Decimal{},
	}
	startF := start.Float64()
	b.unit = max(1, int64(startF*0.00001/tick.Float64()))
	minuteStart := nowMs - nowMs%minuteMs
	var bars []market.Bar
	if len(replay) > 0 {
		// The first bars (up to historyBars, at most half) are history,
		// moved to end at the current minute; the replay goes on from there.
		n := min(historyBars, len(replay)/2)
		if n == 0 {
			n = 1
		}
		for i, bar := range replay[:n] {
			bar.Time = minuteStart - int64(n-i)*minuteMs
			bars = append(bars, bar)
		}
		b.replay = replay[n:]
		b.unit = max(1, int64(bars[n-1].Close.Float64()*0.00001/tick.Float64()))
	} else {
		var err error
		bars, err = feed.Synthetic(feed.SyntheticConfig{
			Seed: seed ^ h.Sum64(), Start: minuteStart - historyBars*minuteMs, Interval: market.Minute1,
			Bars: historyBars, StartPrice: start, Tick: tick, VolumeStep: b.lot,
			MeanVolume: 1_000_000 / startF,
		})
		if err != nil {
			return nil, fmt.Errorf("symbol %s: history: %w", in.Symbol, err)
		}
	}
	for i, bar := range bars {
		q := roundQuote(mustMul(bar.Volume, bar.Close))
		b.klines = append(b.klines, kline{Bar: bar, Quote: q, TakerBase: half(bar.Volume, b.lot), TakerQuote: half(q, quoteUnit), Trades: 50, FirstID: int64(i*50 + 1), LastID: int64(i*50 + 50)})
	}
	b.tradeID = int64(len(bars)) * 50
	last := bars[len(bars)-1].Close
	b.last = last
	b.fair = last.Float64()
	b.levelQty = 4000 / b.fair
	if liquidity > 0 {
		b.levelQty *= liquidity
	}
	b.bestBid = max(1, int64(math.Floor(b.fair/b.unitPrice())))
	b.bids = make([]num.Decimal, bookLevels)
	b.asks = make([]num.Decimal, bookLevels)
	for i := range bookLevels {
		b.bids[i] = b.randomQty(i)
		b.asks[i] = b.randomQty(i)
	}
	b.updateID = 1_000_000
	b.pendingFrom = b.updateID + 1
	b.openKline(minuteStart)
	return b, nil
}

// quoteUnit is the smallest quote amount simnet keeps: 8 decimals, as
// Binance's balances.
var quoteUnit = num.MustNew(1, 8)

func mustMul(a, b num.Decimal) num.Decimal {
	r, err := a.Mul(b)
	if err != nil {
		panic(fmt.Sprintf("simnet: %s × %s: %v", a, b, err))
	}
	return r
}

func mustAdd(a, b num.Decimal) num.Decimal {
	r, err := a.Add(b)
	if err != nil {
		panic(fmt.Sprintf("simnet: %s + %s: %v", a, b, err))
	}
	return r
}

func mustSub(a, b num.Decimal) num.Decimal {
	r, err := a.Sub(b)
	if err != nil {
		panic(fmt.Sprintf("simnet: %s - %s: %v", a, b, err))
	}
	return r
}

// roundQuote rounds a quote amount down to 8 decimals.
func roundQuote(d num.Decimal) num.Decimal {
	r, err := d.RoundDown(quoteUnit)
	if err != nil {
		panic(fmt.Sprintf("simnet: round %s: %v", d, err))
	}
	return r
}

func half(d, step num.Decimal) num.Decimal {
	h, err := d.Div(num.FromInt(2), 18)
	if err != nil {
		return num.Zero
	}
	r, err := h.RoundDown(step)
	if err != nil {
		return num.Zero
	}
	return r
}

// unitPrice is the price of one grid step.
func (b *book) unitPrice() float64 {
	return float64(b.unit*b.tickCoef) / math.Pow10(int(b.tickScale))
}

// priceAt returns the price of grid index k.
func (b *book) priceAt(k int64) num.Decimal {
	d, err := num.New(k*b.unit*b.tickCoef, b.tickScale)
	if err != nil {
		panic(fmt.Sprintf("simnet: price of level %d: %v", k, err))
	}
	return d
}

// ticksOf returns price in ticks; ok is false when price is not on the tick.
func (b *book) ticksOf(price num.Decimal) (int64, bool) {
	u, ok := price.Unscaled(b.tickScale)
	if !ok || u%b.tickCoef != 0 {
		return 0, false
	}
	return u / b.tickCoef, true
}

// bidTicks and askTicks return the price, in ticks, of side level i.
func (b *book) bidTicks(i int) int64 { return (b.bestBid - int64(i)) * b.unit }
func (b *book) askTicks(i int) int64 { return (b.bestBid + 1 + int64(i)) * b.unit }

// randomQty draws a level's quantity: deeper levels hold more.
func (b *book) randomQty(depth int) num.Decimal {
	f := b.levelQty * (0.2 + 1.6*b.rng.Float64()) * (1 + float64(min(depth, 50))/25)
	d, err := num.FromFloat64(f, 8)
	if err == nil {
		d, err = d.RoundDown(b.lot)
	}
	if err != nil || !d.IsPos() {
		return b.lot
	}
	return d
}

// best returns the best bid and ask level indexes that hold quantity (-1 when
// a side is empty).
func (b *book) best() (bid, ask int) {
	bid, ask = -1, -1
	for i, q := range b.bids {
		if q.IsPos() {
			bid = i
			break
		}
	}
	for i, q := range b.asks {
		if q.IsPos() {
			ask = i
			break
		}
	}
	return bid, ask
}

// setBid and setAsk change level i and record the change for the streams.
func (b *book) setBid(i int, q num.Decimal) {
	b.bids[i] = q
	b.pendingBids[b.bidTicks(i)] = q
}

func (b *book) setAsk(i int, q num.Decimal) {
	b.asks[i] = q
	b.pendingAsks[b.askTicks(i)] = q
}

// move shifts the book so that the best bid is grid index to. The levels
// the price crosses were taken; the side it moves away from keeps its levels,
// further out, and gets fresh ones at the top; the side it moves into gets
// fresh ones at the far end.
func (b *book) move(to int64) {
	d := to - b.bestBid
	if d == 0 {
		return
	}
	up := d > 0
	if !up {
		d = -d
	}
	n := int64(bookLevels)
	for i := 0; i < int(min(d, n)); i++ {
		if up && b.asks[i].IsPos() {
			b.pendingAsks[b.askTicks(i)] = num.Zero
		}
		if !up && b.bids[i].IsPos() {
			b.pendingBids[b.bidTicks(i)] = num.Zero
		}
	}
	oldBids := b.bids
	oldAsks := b.asks
	b.bestBid = to
	b.bids = make([]num.Decimal, n)
	b.asks = make([]num.Decimal, n)
	for i := range n {
		// The side moved away from draws first: a seeded market must
		// replay the same random sequence.
		if up {
			b.refillBid(int(i), oldBids, i-d)
			b.refillAsk(int(i), oldAsks, i+d)
		} else {
			b.refillAsk(int(i), oldAsks, i-d)
			b.refillBid(int(i), oldBids, i+d)
		}
	}
}

// refillBid and refillAsk set level i to level j of the side before a move,
// or to a fresh random quantity, recorded for the streams, when j is off it.
func (b *book) refillBid(i int, old []num.Decimal, j int64) {
	if j >= 0 && j < int64(len(old)) {
		b.bids[i] = old[j]
		return
	}
	b.setBid(i, b.randomQty(i))
}

func (b *book) refillAsk(i int, old []num.Decimal, j int64) {
	if j >= 0 && j < int64(len(old)) {
		b.asks[i] = old[j]
		return
	}
	b.setAsk(i, b.randomQty(i))
}

// step advances the market by dt seconds of market time at time nowMs: the
// fair price moves, the book follows it, a few levels change and one public
// trade prints.
func (b *book) step(dt float64, nowMs int64) {
	if p, ok := b.replayPrice(dt); ok {
		b.fair = p
	} else {
		ret := volPerMinute * math.Sqrt(dt/60) * b.rng.NormFloat64()
		b.fair *= math.Exp(ret)
	}
	to := max(2, int64(math.Floor(b.fair/b.unitPrice())))
	up := to > b.bestBid
	down := to < b.bestBid
	b.move(to)
	for range 4 {
		i := b.rng.IntN(20)
		if b.rng.IntN(2) == 0 {
			b.setBid(i, b.randomQty(i))
		} else {
			b.setAsk(i, b.randomQty(i))
		}
	}
	buy := up || (!down && b.rng.IntN(2) == 0)
	qty := b.randomQty(0)
	bid, ask := b.best()
	var price num.Decimal
	if buy && ask >= 0 {
		price = b.priceAt(b.bestBid + 1 + int64(ask))
	} else if bid >= 0 {
		price = b.priceAt(b.bestBid - int64(bid))
	} else {
		return
	}
	b.print(price, qty, !buy, nowMs)
}

// print adds a trade to the tape and the current kline.
func (b *book) print(price, qty num.Decimal, buyerMaker bool, nowMs int64) pubTrade {
	b.tradeID++
	t := pubTrade{ID: b.tradeID, Price: price, Qty: qty, Quote: roundQuote(mustMul(price, qty)), Time: nowMs, IsBuyerMaker: buyerMaker}
	if len(b.tape) >= tapeSize {
		copy(b.tape, b.tape[1:])
		b.tape = b.tape[:len(b.tape)-1]
	}
	b.tape = append(b.tape, t)
	b.newTrades = append(b.newTrades, t)
	b.last = price
	k := b.klineAt(nowMs)
	if k.Trades == 0 {
		k.Open, k.High, k.Low = price, price, price
		k.FirstID = t.ID
	}
	if price.Cmp(k.High) > 0 {
		k.High = price
	}
	if price.Cmp(k.Low) < 0 {
		k.Low = price
	}
	k.Close = price
	k.Volume = mustAdd(k.Volume, qty)
	k.Quote = mustAdd(k.Quote, t.Quote)
	if !buyerMaker {
		k.TakerBase = mustAdd(k.TakerBase, qty)
		k.TakerQuote = mustAdd(k.TakerQuote, t.Quote)
	}
	k.Trades++
	k.LastID = t.ID
	return t
}

// openKline appends an empty one-minute kline at open time start, priced at
// the last trade.
func (b *book) openKline(start int64) {
	p := b.last
	b.klines = append(b.klines, kline{Bar: market.Bar{Time: start, Open: p, High: p, Low: p, Close: p}, FirstID: -1, LastID: -1})
	if len(b.klines) > maxKlines {
		b.klines = append(b.klines[:0], b.klines[len(b.klines)-maxKlines:]...)
	}
}

// klineAt returns the kline open at nowMs, opening the minutes since the last.
func (b *book) klineAt(nowMs int64) *kline {
	start := nowMs - nowMs%minuteMs
	for b.klines[len(b.klines)-1].Time < start {
		next := b.klines[len(b.klines)-1].Time + minuteMs
		b.openKline(next)
	}
	return &b.klines[len(b.klines)-1]
}

// takeDiff returns and clears what changed since the last call; ok is false
// when nothing changed.
func (b *book) takeDiff(nowMs int64) (depthDiff, bool) {
	n := len(b.pendingBids) + len(b.pendingAsks)
	if n == 0 {
		return depthDiff{}, false
	}
	d := depthDiff{First: b.pendingFrom, Time: nowMs}
	// A snapshot served since the last diff must fall strictly inside it.
	b.updateID = max(b.updateID+int64(n), b.snapFloor)
	d.Last = b.updateID
	b.pendingFrom = b.updateID + 1
	d.Bids = sortedLevels(b.pendingBids, b, true)
	d.Asks = sortedLevels(b.pendingAsks, b, false)
	clear(b.pendingBids)
	clear(b.pendingAsks)
	return d, true
}

func sortedLevels(m map[int64]num.Decimal, b *book, desc bool) [][2]num.Decimal {
	keys := make([]int64, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slicesSortInt64(keys, desc)
	out := make([][2]num.Decimal, len(keys))
	for i, k := range keys {
		p, err := num.New(k*b.tickCoef, b.tickScale)
		if err != nil {
			panic(err)
		}
		out[i] = [2]num.Decimal{p, m[k]}
	}
	return out
}

// avgPrice is the volume-weighted price of the last five minutes' klines
// (the last price when they hold no volume), to 8 decimals: what
// GET /api/v3/avgPrice serves and the percent and notional filters use.
//
// The result is cached until the next trade or the next second.
func (b *book) avgPrice(nowMs int64) num.Decimal {
	if b.avgAt == nowMs/1000 && b.avgTrade == b.tradeID {
		return b.avg
	}
	b.avg = b.computeAvgPrice(nowMs)
	b.avgAt, b.avgTrade = nowMs/1000, b.tradeID
	return b.avg
}

func (b *book) computeAvgPrice(nowMs int64) num.Decimal {
	from := nowMs - 5*minuteMs
	vol, quote := num.Zero, num.Zero
	for i := len(b.klines) - 1; i >= 0 && b.klines[i].Time+minuteMs > from; i-- {
		vol = mustAdd(vol, b.klines[i].Volume)
		quote = mustAdd(quote, b.klines[i].Quote)
	}
	if !vol.IsPos() {
		return b.last
	}
	p, err := quote.Div(vol, 8)
	if err != nil {
		return b.last
	}
	return p
}

// replayPrice advances the replay by dt seconds of market time and returns
// the price on the bar's path then: open, then the extreme on the side the
// bar closes away from, then the other extreme, then close, in four equal
// parts of the minute. ok is false when no replay is left.
func (b *book) replayPrice(dt float64) (float64, bool) {
	if len(b.replay) == 0 {
		return 0, false
	}
	b.replayT += dt
	i := int(b.replayT / 60)
	if i >= len(b.replay) {
		last := b.replay[len(b.replay)-1].Close.Float64()
		b.replay = nil
		return last, true
	}
	bar := &b.replay[i]
	o, h, l, c := bar.Open.Float64(), bar.High.Float64(), bar.Low.Float64(), bar.Close.Float64()
	path := [5]float64{o, l, h, c, c}
	if c < o {
		path = [5]float64{o, h, l, c, c}
	}
	x := (b.replayT - float64(i)*60) / 15 // 0..4
	k := min(int(x), 3)
	f := x - float64(k)
	return path[k] + (path[k+1]-path[k])*f, true
}

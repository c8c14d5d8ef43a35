package simnet

import "net/http"

// marketUpdate is what one market step produced for a symbol.
type marketUpdate struct {
	Symbol     string
	Time       int64
	Trades     []pubTrade
	Diff       *depthDiff
	BookTicker bookTickerJSON
	Kline      kline
	Mini       ticker24hJSON
}

type userSub struct{}
type marketSub struct{}

func (x *Exchange) publishMarket([]marketUpdate) {}
func (x *Exchange) publishUser([]userEvent)      {}
func (x *Exchange) serveWS(http.ResponseWriter, *http.Request) bool {
	return false
}

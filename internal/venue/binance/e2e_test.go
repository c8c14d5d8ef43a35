package binance

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/thunes/thunes/internal/num"
	"github.com/thunes/thunes/internal/order"
)

// buyBelow is a strategy: the first ask under limit sends one IOC buy.
type buyBelow struct {
	v     *Venue
	limit num.Decimal
	once  sync.Once
	marketRec
}

func (s *buyBelow) OnBookTicker(t *BookTicker) {
	if t.AskPrice.Less(s.limit) {
		s.once.Do(func() {
			s.v.Submit(time.Now().UnixMilli(), &order.Request{Symbol: t.Symbol, Side: order.Buy, Type: order.Limit,
				TimeInForce: order.IOC, Quantity: num.MustParse("0.5"), Price: t.AskPrice, ClientID: "e2e-1"})
		})
	}
}

// TestEndToEndTickToFill wires every part against servers on 127.0.0.1: a
// market stream tick makes the strategy buy, the order goes out over REST
// (acknowledged only), and the fill arrives on the user-data stream and
// reaches the sink exactly once.
func TestEndToEndTickToFill(t *testing.T) {
	fills := make(chan string, 4)
	f := newFake(t)
	f.handle("POST /api/v3/order", func(w http.ResponseWriter, r *http.Request) {
		p, _ := parseQuery(r.URL.RawQuery)
		id, _ := p.Get("newClientOrderId")
		price, _ := p.Get("price")
		fmt.Fprintf(w, `{"symbol":"BTCUSDT","orderId":77,"orderListId":-1,"clientOrderId":%q,"transactTime":%d}`, id, time.Now().UnixMilli())
		er := `{"e":"executionReport","E":1,"s":"BTCUSDT","c":%q,"S":"BUY","o":"LIMIT","f":"IOC","q":"0.5","p":%q,"x":%q,"X":%q,"i":77,"l":%q,"z":%q,"L":%q,"n":"0.0005","N":"BTC","T":1700000000000,"t":%d,"m":false}`
		fills <- fmt.Sprintf(er, id, price, "NEW", "NEW", "0", "0", "0", -1)
		fills <- fmt.Sprintf(er, id, price, "TRADE", "FILLED", "0.5", "0.5", price, 901)
	})
	userWS := newWSServer(t, func(ctx context.Context, c *websocket.Conn, n int) {
		// Answer the subscription, then forward what the matching engine
		// produces.
		_, msg, err := c.Read(ctx)
		if err != nil {
			return
		}
		var id string
		fmt.Sscanf(string(msg), `{"id":%q`, &id)
		c.Write(ctx, websocket.MessageText, []byte(fmt.Sprintf(`{"id":%q,"status":200,"result":{"subscriptionId":0}}`, id)))
		for {
			select {
			case <-ctx.Done():
				return
			case e := <-fills:
				c.Write(ctx, websocket.MessageText, []byte(`{"subscriptionId":0,"event":`+e+`}`))
			}
		}
	})
	marketWS := newWSServer(t, func(ctx context.Context, c *websocket.Conn, n int) {
		send(ctx, c, "btcusdt@bookTicker", `{"u":1,"s":"BTCUSDT","b":"60000.00","B":"1","a":"60010.00","A":"1"}`)
		send(ctx, c, "btcusdt@bookTicker", `{"u":2,"s":"BTCUSDT","b":"59980.00","B":"1","a":"59990.00","A":"2"}`)
		<-ctx.Done()
	})
	c := newTestClient(t, f, nil)
	rec := &recorder{}
	v, err := NewVenue(c, rec.sink, VenueConfig{RespType: RespACK})
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()
	us, err := NewUserStream(UserStreamConfig{URL: userWS.url(), Client: c, Handler: v.HandleUserEvent})
	if err != nil {
		t.Fatal(err)
	}
	strat := &buyBelow{v: v, limit: num.MustParse("60000")}
	md, err := NewMarketData(MarketConfig{StreamURL: marketWS.url(), Client: c, Symbols: []string{"BTCUSDT"}, BookTicker: true,
		Handler: strat, PollEvery: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); us.Run(ctx) }()
	waitFor(t, "user-data subscription", func() bool { return us.Subscriptions() == 1 })
	go func() { defer wg.Done(); md.Run(ctx) }()
	defer func() { cancel(); wg.Wait() }()

	reps := rec.wait(t, 2)
	time.Sleep(50 * time.Millisecond)
	reps = rec.wait(t, 2)
	if kinds(reps) != "ACK,TRADE" || reps[1].Fill.Price.String() != "59990" || reps[1].Fill.TradeID != 901 {
		t.Fatalf("reports %s %+v", kinds(reps), reps)
	}
	req := order.Request{Symbol: "BTCUSDT", Side: order.Buy, Type: order.Limit, TimeInForce: order.IOC,
		Quantity: num.MustParse("0.5"), Price: num.MustParse("59990"), ClientID: "e2e-1"}
	if o := applyAll(t, req, reps); o.Status != order.Filled {
		t.Fatalf("order %s", o.Status)
	}
	if f.count("POST /api/v3/order") != 1 {
		t.Fatalf("orders sent: %d", f.count("POST /api/v3/order"))
	}
}

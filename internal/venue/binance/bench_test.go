package binance

import (
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/thunes/thunes/internal/num"
	"github.com/thunes/thunes/internal/order"
	"github.com/thunes/thunes/internal/venue"
)

// BenchmarkDecodeBookTicker decodes bookTicker messages with the
// hand-written decoder; msgs/s is the figure the budget (≥ 1 million/s)
// refers to.
func BenchmarkDecodeBookTicker(b *testing.B) {
	msgs := [][]byte{
		[]byte(`{"u":400900217,"s":"BNBUSDT","b":"25.35190000","B":"31.21000000","a":"25.36520000","A":"40.66000000"}`),
		[]byte(`{"u":400900218,"s":"BNBUSDT","b":"25.35200000","B":"1.21000000","a":"25.36510000","A":"0.66000000"}`),
	}
	var bt BookTicker
	b.ReportAllocs()
	b.SetBytes(int64(len(msgs[0])))
	for i := 0; b.Loop(); i++ {
		if err := DecodeBookTicker(msgs[i&1], &bt); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
}

// BenchmarkStreamBookTicker is the whole stream path for one combined-stream
// bookTicker message: envelope split and decode.
func BenchmarkStreamBookTicker(b *testing.B) {
	msg := []byte(`{"stream":"bnbusdt@bookTicker","data":{"u":400900217,"s":"BNBUSDT","b":"25.35190000","B":"31.21000000","a":"25.36520000","A":"40.66000000"}}`)
	var bt BookTicker
	b.ReportAllocs()
	for b.Loop() {
		_, data, err := splitCombined(msg)
		if err != nil {
			b.Fatal(err)
		}
		if err := DecodeBookTicker(data, &bt); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
}

// BenchmarkDecodeBookTickerStdlib is the encoding/json path, for comparison.
func BenchmarkDecodeBookTickerStdlib(b *testing.B) {
	msg := []byte(`{"u":400900217,"s":"BNBUSDT","b":"25.35190000","B":"31.21000000","a":"25.36520000","A":"40.66000000"}`)
	var bt BookTicker
	b.ReportAllocs()
	for b.Loop() {
		if err := decodeBookTickerSlow(msg, &bt); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
}

// stampTransport is an http.RoundTripper that records when a request reaches
// it and answers at once with an order acknowledgement.
type stampTransport struct {
	at chan time.Time
}

func (s *stampTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	s.at <- time.Now()
	const body = `{"symbol":"BNBUSDT","orderId":1,"orderListId":-1,"clientOrderId":"x","transactTime":1507725176595}`
	return &http.Response{StatusCode: 200, Header: http.Header{}, Body: io.NopCloser(strings.NewReader(body)),
		ContentLength: int64(len(body)), Request: r}, nil
}

// BenchmarkTickToOrder measures the in-process latency from a bookTicker
// message arriving to the order request reaching the HTTP transport:
// decode, a strategy decision, Venue.Submit, parameter building, signing and
// http.Client. Each sample waits for the previous one, so the figures are
// latencies, not throughput. p99-µs is the budgeted figure (≤ 100 µs).
func BenchmarkTickToOrder(b *testing.B) {
	ed, err := NewEd25519Signer(testAPIKey, []byte(testEd25519PEM))
	if err != nil {
		b.Fatal(err)
	}
	hm, _ := NewHMACSigner(testAPIKey, testSecret)
	for _, s := range []*Signer{ed, hm} {
		b.Run(s.Type().String(), func(b *testing.B) {
			tr := &stampTransport{at: make(chan time.Time, 1)}
			c, err := NewClient(Config{BaseURL: "http://127.0.0.1:1", Signer: s, HTTPClient: &http.Client{Transport: tr},
				Limits: Limits{WeightPerMinute: 1 << 30, Orders10s: 1 << 30, OrdersDay: 1 << 30}})
			if err != nil {
				b.Fatal(err)
			}
			v, err := NewVenue(c, func(*venue.Report) {}, VenueConfig{RespType: RespACK})
			if err != nil {
				b.Fatal(err)
			}
			defer v.Close()
			msg := []byte(`{"u":400900217,"s":"BNBUSDT","b":"25.35190000","B":"31.21000000","a":"25.36520000","A":"40.66000000"}`)
			limit := num.MustParse("26")
			qty := num.MustParse("0.5")
			n := max(b.N, 2000) // enough samples for a p99 even at -benchtime=1x
			lat := make([]time.Duration, 0, n)
			var bt BookTicker
			ids := make([]string, n)
			for i := range ids {
				ids[i] = "lat-" + strconv.Itoa(i)
			}
			if n == b.N { // allocs/op would be per b.N, not per sample, otherwise
				b.ReportAllocs()
			}
			b.ResetTimer()
			for i := 0; i < n; i++ {
				t0 := time.Now()
				if err := DecodeBookTicker(msg, &bt); err != nil {
					b.Fatal(err)
				}
				if bt.AskPrice.Less(limit) { // the strategy: buy below 26
					req := order.Request{Symbol: bt.Symbol, Side: order.Buy, Type: order.Limit, TimeInForce: order.IOC,
						Quantity: qty, Price: bt.AskPrice, ClientID: ids[i]}
					v.Submit(t0.UnixMilli(), &req)
				}
				lat = append(lat, (<-tr.at).Sub(t0))
			}
			b.StopTimer()
			slices.Sort(lat)
			q := func(p float64) float64 { return float64(lat[int(p*float64(len(lat)-1))].Nanoseconds()) / 1e3 }
			b.ReportMetric(q(0.5), "p50-µs")
			b.ReportMetric(q(0.99), "p99-µs")
			b.ReportMetric(q(1), "max-µs")
		})
	}
}

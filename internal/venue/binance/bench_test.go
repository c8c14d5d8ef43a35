package binance

import "testing"

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

package simnet

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"
)

// benchOrders sends signed POST /api/v3/order requests built from params
// over loopback HTTP from parallel keep-alive clients, and reports orders/s.
func benchOrders(b *testing.B, params string) {
	s := newTestServer(b, Config{})
	if err := s.x.AddAccount(Key{APIKey: "benchKey0123456789", Type: KeyHMAC, Secret: testSecret, Balances: map[string]string{"USDT": "1000000000", "BTC": "100000"}}); err != nil {
		b.Fatal(err)
	}
	client := &http.Client{Transport: &http.Transport{MaxIdleConns: 256, MaxIdleConnsPerHost: 256}}
	ts := strconv.FormatInt(s.clock.Now().UnixMilli(), 10)
	b.SetParallelism(4)
	b.ResetTimer()
	cpu0 := cpuTime()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			q := params + "&timestamp=" + ts
			req, err := http.NewRequest("POST", s.url+"/api/v3/order?"+q+"&signature="+sign(testSecret, q), nil)
			if err != nil {
				b.Error(err)
				return
			}
			req.Header.Set("X-MBX-APIKEY", "benchKey0123456789")
			resp, err := client.Do(req)
			if err != nil {
				b.Error(err)
				return
			}
			if !drainOK(b, resp) {
				return
			}
		}
	})
	reportOrders(b, cpu0)
}

// drainOK reads and closes resp's body and reports whether the status is
// 200, failing b when it is not.
func drainOK(b *testing.B, resp *http.Response) bool {
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 {
		b.Errorf("status %d", resp.StatusCode)
		return false
	}
	return true
}

// readOK reads one reply from rd and drains it as drainOK does.
func readOK(b *testing.B, rd *bufio.Reader) bool {
	resp, err := http.ReadResponse(rd, nil)
	if err != nil {
		b.Error(err)
		return false
	}
	return drainOK(b, resp)
}

// rawOrderServer starts a server with a bench account and returns its
// address and one signed LIMIT IOC request, written out as HTTP/1.1, that
// expires unfilled.
func rawOrderServer(b *testing.B) (addr, req string) {
	s := newTestServer(b, Config{})
	if err := s.x.AddAccount(Key{APIKey: "benchKey0123456789", Type: KeyHMAC, Secret: testSecret, Balances: map[string]string{"USDT": "1000000000"}}); err != nil {
		b.Fatal(err)
	}
	addr = strings.TrimPrefix(s.url, "http://")
	q := "symbol=BTCUSDT&side=BUY&type=LIMIT&timeInForce=IOC&quantity=0.001&price=20000&newOrderRespType=ACK&timestamp=" + strconv.FormatInt(s.clock.Now().UnixMilli(), 10)
	return addr, "POST /api/v3/order?" + q + "&signature=" + sign(testSecret, q) + " HTTP/1.1\r\nHost: " + addr + "\r\nX-MBX-APIKEY: benchKey0123456789\r\nContent-Length: 0\r\n\r\n"
}

// reportOrders reports orders per wall-clock second and per CPU second of
// the whole process (clients and server): the second figure does not depend
// on how busy the shared machine is.
func reportOrders(b *testing.B, cpu0 time.Duration) {
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "orders/s")
	if cpu := cpuTime() - cpu0; cpu > 0 {
		b.ReportMetric(float64(b.N)/cpu.Seconds(), "orders/cpu-s")
	}
}

// BenchmarkSignedOrderIOC places LIMIT IOC orders below the market: each
// is checked, signed, placed and expires unfilled.
func BenchmarkSignedOrderIOC(b *testing.B) {
	benchOrders(b, "symbol=BTCUSDT&side=BUY&type=LIMIT&timeInForce=IOC&quantity=0.001&price=20000&newOrderRespType=ACK")
}

// BenchmarkSignedOrderMarket places MARKET orders that fill against the
// book and return the FULL reply with their fills.
func BenchmarkSignedOrderMarket(b *testing.B) {
	benchOrders(b, "symbol=BTCUSDT&side=BUY&type=MARKET&quoteOrderQty=10")
}

// BenchmarkSignedOrderRaw measures the server alone: each parallel worker
// keeps one loopback connection and writes a pre-built signed request
// (the server still parses, verifies and places every one), then reads the
// reply, so the client's own cost stays small.
func BenchmarkSignedOrderRaw(b *testing.B) {
	addr, one := rawOrderServer(b)
	raw := []byte(one)
	b.SetParallelism(4)
	b.ResetTimer()
	cpu0 := cpuTime()
	b.RunParallel(func(pb *testing.PB) {
		conn, err := net.Dial("tcp", addr)
		if err != nil {
			b.Error(err)
			return
		}
		defer conn.Close()
		rd := bufio.NewReader(conn)
		for pb.Next() {
			if _, err := conn.Write(raw); err != nil {
				b.Error(err)
				return
			}
			if !readOK(b, rd) {
				return
			}
		}
	})
	reportOrders(b, cpu0)
}

// BenchmarkSignedOrderPipelined is BenchmarkSignedOrderRaw with HTTP/1.1
// pipelining: each connection writes 16 signed requests before reading the
// 16 replies, as a client that batches its writes would.
func BenchmarkSignedOrderPipelined(b *testing.B) {
	addr, one := rawOrderServer(b)
	const depth = 16
	batch := []byte(strings.Repeat(one, depth))
	b.SetParallelism(2)
	b.ResetTimer()
	cpu0 := cpuTime()
	b.RunParallel(func(pb *testing.PB) {
		conn, err := net.Dial("tcp", addr)
		if err != nil {
			b.Error(err)
			return
		}
		defer conn.Close()
		rd := bufio.NewReaderSize(conn, 64<<10)
		for {
			n := 0
			for n < depth && pb.Next() {
				n++
			}
			if n == 0 {
				return
			}
			if _, err := conn.Write(batch[:n*len(one)]); err != nil {
				b.Error(err)
				return
			}
			for range n {
				if !readOK(b, rd) {
					return
				}
			}
		}
	})
	reportOrders(b, cpu0)
}

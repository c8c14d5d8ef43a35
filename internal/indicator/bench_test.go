package indicator

import "testing"

// benchSeries is shared by the benchmarks; building it is not timed.
func benchSeries(b *testing.B) series {
	b.Helper()
	s := randomWalk(b, 4096)
	b.ReportAllocs()
	b.ResetTimer()
	return s
}

func BenchmarkSMA(b *testing.B) {
	ind, _ := NewSMA(20)
	s := benchSeries(b)
	for i := 0; b.Loop(); i++ {
		ind.Update(s.close[i&4095])
	}
}

func BenchmarkEMA(b *testing.B) {
	ind, _ := NewEMA(20)
	s := benchSeries(b)
	for i := 0; b.Loop(); i++ {
		ind.Update(s.close[i&4095])
	}
}

func BenchmarkWMA(b *testing.B) {
	ind, _ := NewWMA(20)
	s := benchSeries(b)
	for i := 0; b.Loop(); i++ {
		ind.Update(s.close[i&4095])
	}
}

func BenchmarkRSI(b *testing.B) {
	ind, _ := NewRSI(14)
	s := benchSeries(b)
	for i := 0; b.Loop(); i++ {
		ind.Update(s.close[i&4095])
	}
}

func BenchmarkATR(b *testing.B) {
	ind, _ := NewATR(14)
	s := benchSeries(b)
	for i := 0; b.Loop(); i++ {
		j := i & 4095
		ind.Update(s.high[j], s.low[j], s.close[j])
	}
}

func BenchmarkMACD(b *testing.B) {
	ind, _ := NewMACD(12, 26, 9)
	s := benchSeries(b)
	for i := 0; b.Loop(); i++ {
		ind.Update(s.close[i&4095])
	}
}

func BenchmarkBollinger(b *testing.B) {
	ind, _ := NewBollinger(20, 2)
	s := benchSeries(b)
	for i := 0; b.Loop(); i++ {
		ind.Update(s.close[i&4095])
	}
}

func BenchmarkDonchian(b *testing.B) {
	ind, _ := NewDonchian(20)
	s := benchSeries(b)
	for i := 0; b.Loop(); i++ {
		j := i & 4095
		ind.Update(s.high[j], s.low[j])
	}
}

func BenchmarkOBV(b *testing.B) {
	ind := NewOBV()
	s := benchSeries(b)
	for i := 0; b.Loop(); i++ {
		j := i & 4095
		ind.Update(s.close[j], s.volume[j])
	}
}

func BenchmarkStochastic(b *testing.B) {
	ind, _ := NewStochastic(14, 3, 3)
	s := benchSeries(b)
	for i := 0; b.Loop(); i++ {
		j := i & 4095
		ind.Update(s.high[j], s.low[j], s.close[j])
	}
}

func BenchmarkADX(b *testing.B) {
	ind, _ := NewADX(14)
	s := benchSeries(b)
	for i := 0; b.Loop(); i++ {
		j := i & 4095
		ind.Update(s.high[j], s.low[j], s.close[j])
	}
}

func BenchmarkVWAP(b *testing.B) {
	ind := NewVWAP()
	s := benchSeries(b)
	for i := 0; b.Loop(); i++ {
		j := i & 4095
		ind.Update(s.high[j], s.low[j], s.close[j], s.volume[j])
	}
}

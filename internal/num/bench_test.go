package num

import "testing"

// Operands shaped like Binance spot values: price and quantity with 8
// decimals, a fee rate, a tick size.
var (
	benchPrice = MustParse("9033.34000000")
	benchQty   = MustParse("0.00100000")
	benchFee   = MustParse("0.015")
	benchTick  = MustParse("0.01000000")
	benchRaw   = MustParse("9033.3456789")

	sinkDecimal Decimal
	sinkInt     int
	sinkFloat   float64
	sinkString  string
	sinkBytes   []byte
)

func BenchmarkParse(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		sinkDecimal, _ = Parse("9033.34000000")
	}
}

func BenchmarkParseBytes(b *testing.B) {
	raw := []byte("9033.34000000")
	b.ReportAllocs()
	for b.Loop() {
		sinkDecimal, _ = ParseBytes(raw)
	}
}

func BenchmarkAdd(b *testing.B) {
	b.Run("same-scale", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			sinkDecimal, _ = benchPrice.Add(benchQty)
		}
	})
	b.Run("mixed-scale", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			sinkDecimal, _ = benchPrice.Add(benchFee)
		}
	})
}

func BenchmarkMul(b *testing.B) {
	b.Run("price×qty", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			sinkDecimal, _ = benchPrice.Mul(benchQty)
		}
	})
	b.Run("scale-38", func(b *testing.B) {
		x, y := MustParse("0.1000000000000000000"), MustParse("0.5000000000000000000")
		b.ReportAllocs()
		for b.Loop() {
			sinkDecimal, _ = x.Mul(y)
		}
	})
}

func BenchmarkCmp(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		sinkInt = benchPrice.Cmp(benchRaw)
	}
}

func BenchmarkRoundDown(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		sinkDecimal, _ = benchRaw.RoundDown(benchTick)
	}
}

func BenchmarkDiv(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		sinkDecimal, _ = benchPrice.Div(benchRaw, 8)
	}
}

func BenchmarkFloat64(b *testing.B) {
	b.Run("price", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			sinkFloat = benchPrice.Float64()
		}
	})
	b.Run("wide", func(b *testing.B) {
		d := MustParse("34028236692093846346.3374607431768211455")
		b.ReportAllocs()
		for b.Loop() {
			sinkFloat = d.Float64()
		}
	})
}

func BenchmarkFormat(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		sinkString = benchPrice.Format()
	}
}

func BenchmarkString(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		sinkString = benchPrice.String()
	}
}

func BenchmarkAppendText(b *testing.B) {
	buf := make([]byte, 0, 64)
	b.ReportAllocs()
	for b.Loop() {
		buf, _ = benchPrice.AppendText(buf[:0])
	}
	sinkBytes = buf
}

func BenchmarkMarshalJSON(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		sinkBytes, _ = benchPrice.MarshalJSON()
	}
}

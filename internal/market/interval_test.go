package market

import (
	"strings"
	"testing"
	"time"
)

func TestParseIntervalRoundTrip(t *testing.T) {
	names := []string{"1s", "1m", "3m", "5m", "15m", "30m", "1h", "2h", "4h", "6h", "8h", "12h", "1d", "3d", "1w", "1M"}
	for _, name := range names {
		iv, err := ParseInterval(name)
		if err != nil {
			t.Fatalf("ParseInterval(%q): %v", name, err)
		}
		if iv.String() != name {
			t.Errorf("ParseInterval(%q).String() = %q", name, iv.String())
		}
	}
	for _, bad := range []string{"", "2m", "1H", "1mo", " 1m"} {
		_, err := ParseInterval(bad)
		if err == nil {
			t.Errorf("ParseInterval(%q) accepted", bad)
			continue
		}
		if !strings.Contains(err.Error(), "1m") || !strings.Contains(err.Error(), "1M") {
			t.Errorf("ParseInterval(%q) error %q does not list the valid names", bad, err)
		}
	}
	if got := Interval(7).String(); got != "Interval(7)" {
		t.Errorf("unknown interval String() = %q", got)
	}
}

func TestIntervalStartAndNext(t *testing.T) {
	at := func(y int, mo time.Month, d, h, mi, s, ms int) int64 {
		return time.Date(y, mo, d, h, mi, s, ms*1e6, time.UTC).UnixMilli()
	}
	tests := []struct {
		iv         Interval
		t          int64
		start      int64
		next       int64
		annotation string
	}{
		{Second1, at(2024, 3, 15, 10, 37, 12, 345), at(2024, 3, 15, 10, 37, 12, 0), at(2024, 3, 15, 10, 37, 13, 0), ""},
		{Minute1, at(2024, 3, 15, 10, 37, 12, 345), at(2024, 3, 15, 10, 37, 0, 0), at(2024, 3, 15, 10, 38, 0, 0), ""},
		{Minute15, at(2024, 3, 15, 10, 37, 12, 0), at(2024, 3, 15, 10, 30, 0, 0), at(2024, 3, 15, 10, 45, 0, 0), ""},
		{Hour4, at(2024, 3, 15, 10, 37, 12, 0), at(2024, 3, 15, 8, 0, 0, 0), at(2024, 3, 15, 12, 0, 0, 0), ""},
		{Day1, at(2024, 3, 15, 23, 59, 59, 999), at(2024, 3, 15, 0, 0, 0, 0), at(2024, 3, 16, 0, 0, 0, 0), ""},
		{Day1, at(2024, 3, 15, 0, 0, 0, 0), at(2024, 3, 15, 0, 0, 0, 0), at(2024, 3, 16, 0, 0, 0, 0), "exactly on a boundary"},
		{Month1, at(2024, 2, 29, 18, 0, 0, 0), at(2024, 2, 1, 0, 0, 0, 0), at(2024, 3, 1, 0, 0, 0, 0), "leap February"},
		{Month1, at(2023, 12, 31, 23, 0, 0, 0), at(2023, 12, 1, 0, 0, 0, 0), at(2024, 1, 1, 0, 0, 0, 0), "across the year"},
		{Minute1, at(1969, 12, 31, 23, 59, 30, 0), at(1969, 12, 31, 23, 59, 0, 0), at(1970, 1, 1, 0, 0, 0, 0), "before the epoch"},
	}
	for _, tc := range tests {
		if got := tc.iv.Start(tc.t); got != tc.start {
			t.Errorf("%s.Start(%s) = %s, want %s %s", tc.iv, ms(tc.t), ms(got), ms(tc.start), tc.annotation)
		}
		if got := tc.iv.Next(tc.start); got != tc.next {
			t.Errorf("%s.Next(%s) = %s, want %s %s", tc.iv, ms(tc.start), ms(got), ms(tc.next), tc.annotation)
		}
	}
}

// TestWeekStartsOnMonday: Binance's 1w candles open on Monday 00:00 UTC, as
// Interval.Start's documentation says.
func TestWeekStartsOnMonday(t *testing.T) {
	monday := func(y int, mo time.Month, d int) int64 { return time.Date(y, mo, d, 0, 0, 0, 0, time.UTC).UnixMilli() }
	tests := []struct {
		t, start int64
		what     string
	}{
		{time.Date(2024, 3, 15, 10, 0, 0, 0, time.UTC).UnixMilli(), monday(2024, 3, 11), "a Friday"},
		{time.Date(2024, 3, 17, 23, 59, 59, 999e6, time.UTC).UnixMilli(), monday(2024, 3, 11), "the last instant of Sunday"},
		{monday(2024, 3, 18), monday(2024, 3, 18), "Monday itself"},
		{time.Date(1970, 1, 1, 12, 0, 0, 0, time.UTC).UnixMilli(), monday(1969, 12, 29), "the epoch, a Thursday"},
	}
	for _, tc := range tests {
		if got := Week1.Start(tc.t); got != tc.start {
			t.Errorf("1w.Start(%s) (%s) = %s, want %s", ms(tc.t), tc.what, ms(got), ms(tc.start))
		}
		if got := Week1.Next(tc.start); got != tc.start+7*24*3600*1000 {
			t.Errorf("1w.Next(%s) = %s", ms(tc.start), ms(got))
		}
	}
}

func ms(t int64) string { return time.UnixMilli(t).UTC().Format(time.RFC3339Nano) }

func TestBarValidate(t *testing.T) {
	bar := func(o, h, l, c, v string) Bar {
		return Bar{Time: 1, Open: dec(o), High: dec(h), Low: dec(l), Close: dec(c), Volume: dec(v)}
	}
	tests := []struct {
		name string
		bar  Bar
		want string // part of the error; "" for a valid bar
	}{
		{"valid", bar("10", "12", "9", "11", "5"), ""},
		{"flat with no volume", bar("10", "10", "10", "10", "0"), ""},
		{"zero price", bar("0", "12", "9", "11", "5"), "positive"},
		{"negative low", bar("10", "12", "-1", "11", "5"), "positive"},
		{"high below close", bar("10", "10.5", "9", "11", "5"), "high"},
		{"high below open", bar("13", "12", "9", "11", "5"), "high"},
		{"low above open", bar("10", "12", "10.5", "11", "5"), "low"},
		{"negative volume", bar("10", "12", "9", "11", "-5"), "volume"},
	}
	for _, tc := range tests {
		err := tc.bar.Validate()
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("%s: %v", tc.name, err)
		case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
			t.Errorf("%s: error %v, want one mentioning %q", tc.name, err, tc.want)
		}
	}
	b := bar("10", "12", "9", "11", "5")
	b.Time = time.Date(2024, 3, 15, 10, 0, 0, 0, time.UTC).UnixMilli()
	if got := b.OpenTime(); !got.Equal(time.Date(2024, 3, 15, 10, 0, 0, 0, time.UTC)) || got.Location() != time.UTC {
		t.Errorf("OpenTime = %v", got)
	}
}

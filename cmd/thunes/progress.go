package main

import (
	"fmt"
	"io"
	"os"
	"strings"
	"time"
)

// progressWidth is the number of cells of the progress bar.
const progressWidth = 30

// progressEvery is the least time between two redraws of the progress bar.
const progressEvery = 100 * time.Millisecond

// progressLine renders the progress of a run of total bars of which done are
// through, elapsed after its start, as one line without a line break:
// "[#########.....................]  31%  165000/530000 bars  1.2s, 2.7s left".
// done is clamped to [0, total]; the time left is extrapolated from the pace
// so far and shown once there is a pace.
func progressLine(done, total int, elapsed time.Duration) string {
	return progressLineOf(done, total, "bars", elapsed)
}

// progressLineOf is progressLine counting unit instead of bars.
func progressLineOf(done, total int, unit string, elapsed time.Duration) string {
	done = max(0, min(done, total))
	frac := 1.0
	if total > 0 {
		frac = float64(done) / float64(total)
	}
	cells := int(frac * progressWidth)
	var b strings.Builder
	b.WriteByte('[')
	b.WriteString(strings.Repeat("#", cells))
	b.WriteString(strings.Repeat(".", progressWidth-cells))
	fmt.Fprintf(&b, "] %3d%%  %d/%d %s  %s", int(frac*100), done, total, unit, roundDuration(elapsed))
	if done > 0 && done < total {
		left := time.Duration(float64(elapsed) * float64(total-done) / float64(done))
		fmt.Fprintf(&b, ", %s left", roundDuration(left))
	}
	return b.String()
}

// roundDuration keeps a tenth of a second below a minute, whole seconds above.
func roundDuration(d time.Duration) time.Duration {
	if d < time.Minute {
		return d.Round(100 * time.Millisecond)
	}
	return d.Round(time.Second)
}

// progressBar draws progressLine on a terminal, redrawing in place at most
// every progressEvery, and erases it when the run is over. It is not safe for
// concurrent use.
type progressBar struct {
	w     io.Writer
	unit  string
	now   func() time.Time
	start time.Time
	last  time.Time
	shown bool
}

func newProgressBar(w io.Writer, now func() time.Time) *progressBar {
	return &progressBar{w: w, unit: "bars", now: now, start: now()}
}

// update is a backtest.Config.Progress callback. The first and the last
// update are always drawn.
func (p *progressBar) update(done, total int) {
	t := p.now()
	if p.shown && done < total && t.Sub(p.last) < progressEvery {
		return
	}
	p.last, p.shown = t, true
	fmt.Fprintf(p.w, "\r%s\x1b[K", progressLineOf(done, total, p.unit, t.Sub(p.start)))
}

// clear erases the bar, leaving the cursor at the start of the line.
func (p *progressBar) clear() {
	if p.shown {
		fmt.Fprint(p.w, "\r\x1b[K")
		p.shown = false
	}
}

// isTerminal reports whether w is a terminal: an *os.File on a character
// device other than the null device.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	if err != nil || fi.Mode()&os.ModeCharDevice == 0 {
		return false
	}
	if null, err := os.Stat(os.DevNull); err == nil && os.SameFile(fi, null) {
		return false
	}
	return true
}

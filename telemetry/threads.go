package telemetry

// maxThreads bounds the threads kept per process.
const maxThreads = 512

// ThreadView is one worker thread of a process over its last interval
// (mod_wsgi 6; mod_wsgi 4.x gives the completed count only, the rest
// null).
type ThreadView struct {
	Index     int      `json:"index"`
	Busy      *float64 `json:"busy"`      // fraction of the interval serving requests
	CPU       *float64 `json:"cpu"`       // CPU seconds per second of the interval
	Completed uint64   `json:"completed"` // requests completed in the interval
	Current   *float64 `json:"current"`   // seconds the request running now has run (0: idle)
	Longest   *float64 `json:"longest"`   // longest request completed in the interval, seconds
}

// threadViews reads a periodic sample's per-thread arrays.
func threadViews(d *Datagram, period float64) []ThreadView {
	completed, _ := d.Int32s(FieldSlotCompleted)
	busy, _ := d.Float64s(FieldSlotBusyTime)
	cpu, _ := d.Float64s(FieldSlotCPUTime)
	cur, _ := d.Float64s(FieldSlotCurrentElapsed)
	longest, _ := d.Float64s(FieldSlotMaxDuration)
	n := max(len(completed), len(busy), len(cpu), len(cur), len(longest))
	n = min(n, maxThreads)
	if n == 0 {
		return nil
	}
	at := func(a []float64, i int, per float64) *float64 {
		if i >= len(a) || !finiteNonNeg(a[i]) {
			return nil
		}
		v := a[i]
		if per > 0 {
			v /= per
		} else if per < 0 {
			return nil // a rate without a period
		}
		return &v
	}
	per := period
	if per == 0 {
		per = -1
	}
	out := make([]ThreadView, n)
	for i := range out {
		t := ThreadView{Index: i, Busy: at(busy, i, per), CPU: at(cpu, i, per),
			Current: at(cur, i, 0), Longest: at(longest, i, 0)}
		if i < len(completed) && completed[i] > 0 {
			t.Completed = uint64(completed[i])
		}
		out[i] = t
	}
	return out
}

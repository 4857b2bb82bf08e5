package telemetry

import (
	"fmt"
	"math/rand"
	"runtime"
	"testing"
	"time"
)

// storeMemoryBound is what a Store with default Options may hold after an
// hour of 50 mod_wsgi 6 processes reporting every second (docs/telemetry.md,
// "Memory"): heap in use, after a collection, above what it was before the
// store was made.
const storeMemoryBound = 48 << 20

// simulator plays mod_wsgi 6 processes: every simulated second each
// process sends a full periodic sample (all eight phases, per-thread
// arrays); now and then a slow request, GC datagrams, and a restart: a
// graceful one for maximum-requests (STOPPING, STOPPED, then a new pid) or
// a crash (the pid vanishes without a word).
type simulator struct {
	s       *Store
	clock   *clock
	rng     *rand.Rand
	alive   fakeAlive
	procs   []*simProc
	nextPID uint32
	sent    uint64 // requests in the samples sent
}

type simProc struct {
	pid   uint32
	group string
	seq   uint32
	life  int // seconds until it restarts
}

func newSimulator(s *Store, c *clock, groups, procs int) *simulator {
	sim := &simulator{s: s, clock: c, rng: rand.New(rand.NewSource(1)), alive: fakeAlive{}, nextPID: 1000}
	for i := 0; i < procs; i++ {
		sim.procs = append(sim.procs, sim.spawn(fmt.Sprintf("group-%d", i%groups)))
	}
	return sim
}

func (sim *simulator) spawn(group string) *simProc {
	p := &simProc{pid: sim.nextPID, group: group, life: 60 + sim.rng.Intn(600)}
	sim.nextPID++
	sim.alive[p.pid] = true
	sim.send(p, KindProcessStarted, Str(FieldModWSGIVersion, "6.0.5"), Str(FieldPythonVersion, "3.11.2"),
		Str(FieldApacheVersion, "2.4.62"), Str(FieldMPMName, "event"), Str(FieldHostname, "sim"),
		Str(FieldProcessGroup, group), U64(FieldParentPID, 1), F64(FieldSwitchInterval, 0.005))
	return p
}

func (sim *simulator) send(p *simProc, kind Kind, recs ...Record) {
	p.seq++
	b, err := Encode(&Datagram{Header: Header{Version: WireVersion, Kind: kind, PID: p.pid, Seq: p.seq,
		Stamp: unix(sim.clock.Now())}, Records: recs})
	if err != nil {
		panic(err)
	}
	if err := sim.s.Ingest(b); err != nil {
		panic(err)
	}
}

func (sim *simulator) second() {
	sim.clock.Advance(time.Second)
	for i, p := range sim.procs {
		r := sim.rng
		n := uint64(r.Intn(200))
		errs := n / 50
		recs := []Record{Str(FieldModWSGIVersion, "6.0.5"), Str(FieldProcessGroup, p.group), Str(FieldHostname, "sim"),
			F64(FieldSamplePeriod, 1), F64(FieldTelemetryInterval, 1), F64(FieldSlowRequestsThreshold, 1),
			U64(FieldRequestCount, n), F64(FieldCapacityUtilization, r.Float64()), F64(FieldCPUUtilization, r.Float64()),
			U64(FieldMemoryRSS, uint64(50+r.Intn(100))<<20), U64(FieldMemoryMaxRSS, 200<<20),
			U64(FieldThreadsMaximum, 8), U64(FieldThreadsActive, uint64(r.Intn(8))),
			U64(StatusClassField+1, n-errs), U64(StatusClassField+4, errs),
			U64(FieldInputBytes, n*300), U64(FieldOutputBytes, n*5000)}
		for ph := Phase(0); ph < NumPhases; ph++ {
			b := make([]int32, NumBuckets)
			// n requests over three buckets between 0.1 ms and 1 s.
			b[r.Intn(8)] += int32(n / 2)
			b[8+r.Intn(16)] += int32(n / 3)
			b[24+r.Intn(16)] += int32(n - n/2 - n/3)
			recs = append(recs, I32s(PhaseBucketsField+uint16(ph), b), F64(PhaseField+uint16(ph), 0.02))
			if n > 0 {
				recs = append(recs, F64(PhaseMinField+uint16(ph), 0.0001), F64(PhaseMaxField+uint16(ph), 0.5))
			}
		}
		slots := make([]float64, 8)
		for k := range slots {
			slots[k] = r.Float64()
		}
		recs = append(recs, F64s(FieldSlotBusyTime, slots), F64s(FieldSlotCPUTime, slots),
			F64s(FieldSlotCurrentElapsed, slots), F64s(FieldSlotMaxDuration, slots))
		sim.send(p, KindRequest, recs...)
		sim.sent += n
		if r.Intn(20) == 0 {
			sim.send(p, KindSlowRequest, U64(FieldSlowState, 1), F64(FieldSlowStartStamp, unix(sim.clock.Now())-2),
				F64(FieldSlowDuration, 2), U64(FieldSlowThreadID, 3), Str(FieldSlowLogID, fmt.Sprint(p.pid, "-", p.seq)),
				Str(FieldSlowMethod, "GET"), Str(FieldSlowPathInfo, "/slow"), U64(FieldSlowStatus, 200))
		}
		if r.Intn(10) == 0 {
			sim.send(p, KindGCEvent, F64(FieldGCEventStartStamp, unix(sim.clock.Now())), U64(FieldGCEventUncollectable, 0))
		}
		p.life--
		if p.life > 0 {
			continue
		}
		if r.Intn(4) == 0 { // crash
			delete(sim.alive, p.pid)
		} else {
			sim.send(p, KindProcessStopping, Str(FieldProcessGroup, p.group), Str(FieldShutdownReason, "maximum-requests"),
				U64(FieldActiveRequestsAtStop, 0))
			sim.send(p, KindProcessStopped, Str(FieldProcessGroup, p.group), Str(FieldShutdownReason, "maximum-requests"),
				F64(FieldProcessUptime, 100), U64(FieldLifetimeRequestCount, 1000), U64(FieldActiveRequestsAtExit, 0))
			delete(sim.alive, p.pid)
		}
		sim.procs[i] = sim.spawn(p.group)
	}
}

func heapInUse() uint64 {
	var m runtime.MemStats
	runtime.GC()
	runtime.GC()
	runtime.ReadMemStats(&m)
	return m.HeapInuse
}

// TestStoreMemoryHour: an hour of 50 processes (5 groups, each process
// restarting every 1 to 11 minutes, a quarter of them by crashing) stays
// under storeMemoryBound, and the counters are exact.
func TestStoreMemoryHour(t *testing.T) {
	before := heapInUse()
	c := newClock(1.7e9)
	sim := &simulator{}
	s := NewStore(Options{Now: c.Now, Alive: func(pid uint32) bool { return sim.alive[pid] }})
	*sim = *newSimulator(s, c, 5, 50)
	var peak uint64
	for sec := 0; sec < 3600; sec++ {
		sim.second()
		if sec%600 == 599 {
			s.Snapshot()
			s.Series(900*time.Second, "", 0)
			if m := heapInUse() - before; m > peak {
				peak = m
			}
		}
	}
	used := heapInUse() - before
	if used > peak {
		peak = used
	}
	snap := s.Snapshot()
	t.Logf("after an hour: heap in use %.1f MiB (peak %.1f), %d processes listed, %d events, %d requests",
		float64(used)/(1<<20), float64(peak)/(1<<20), len(snap.Processes), len(s.Events(0)), snap.Totals.Requests)
	if peak > storeMemoryBound {
		t.Errorf("store heap %d MiB, over the bound of %d MiB", peak>>20, storeMemoryBound>>20)
	}
	if snap.Totals.Requests != sim.sent {
		t.Errorf("requests %d, sent %d", snap.Totals.Requests, sim.sent)
	}
	var restarts, crashes uint64
	for _, g := range snap.Groups {
		restarts += g.Restarts
		crashes += g.RestartsByReason["crash"]
	}
	if restarts == 0 || crashes == 0 || crashes >= restarts {
		t.Errorf("restarts %d, of which crashes %d", restarts, crashes)
	}
	if ev := s.Events(0); len(ev) == 0 || unix(c.Now())-ev[len(ev)-1].T < 3000 {
		t.Errorf("events do not cover the hour: %d", len(ev))
	}
	runtime.KeepAlive(s)
}

func F64s(id uint16, v []float64) Record { return Record{ID: id, Type: TypeF64Array, F64s: v} }

package telemetry

import (
	"strconv"
	"time"
)

// sample is a validated periodic (KindRequest) datagram.
type sample struct {
	period, interval, slowThreshold float64
	requests                        uint64
	statuses                        [5]uint64
	hasStatus                       bool
	capacity, cpuUtil               float64
	cpuTime                         float64
	hasCPUTime                      bool
	rss, maxRSS                     uint64
	workers, active                 uint64
	mean                            [NumPhases]float64
	hasMean                         [NumPhases]bool
	min, max                        [NumPhases]float64
	hasMax                          [NumPhases]bool
	buckets                         [NumPhases][]int32
	coarse                          bool
	inBytes, outBytes               uint64
	inFlight                        int
}

// maxCount bounds any per-interval count: more is taken as corrupt.
const maxCount = 1 << 32

// parseSample reads and checks a periodic sample before anything is
// changed: impossible values refuse the whole datagram.
func parseSample(d *Datagram) (*sample, error) {
	v := &sample{}
	floats := []struct {
		id  uint16
		dst *float64
	}{
		{FieldSamplePeriod, &v.period}, {FieldTelemetryInterval, &v.interval},
		{FieldSlowRequestsThreshold, &v.slowThreshold},
		{FieldCapacityUtilization, &v.capacity}, {FieldCPUUtilization, &v.cpuUtil},
	}
	for _, f := range floats {
		if x, ok := d.Float(f.id); ok {
			if !finiteNonNeg(x) {
				return nil, invalid("negative or non-finite value in record " + strconv.Itoa(int(f.id)))
			}
			*f.dst = x
		}
	}
	if v.cpuUtil == 0 {
		u, _ := d.Float(FieldCPUUserUtilization)
		sy, _ := d.Float(FieldCPUSystemUtilization)
		if finiteNonNeg(u) && finiteNonNeg(sy) {
			v.cpuUtil = u + sy
		}
	}
	if x, ok := d.Float(FieldCPUTime); ok {
		v.cpuTime, v.hasCPUTime = x, true
	} else {
		u, ok1 := d.Float(FieldCPUUserTime)
		sy, ok2 := d.Float(FieldCPUSystemTime)
		v.cpuTime, v.hasCPUTime = u+sy, ok1 || ok2
	}
	if v.hasCPUTime && !finiteNonNeg(v.cpuTime) {
		return nil, invalid("cpu time")
	}
	counts := []struct {
		id  uint16
		dst *uint64
	}{
		{FieldRequestCount, &v.requests}, {FieldMemoryRSS, &v.rss}, {FieldMemoryMaxRSS, &v.maxRSS},
		{FieldThreadsMaximum, &v.workers}, {FieldThreadsActive, &v.active},
		{FieldInputBytes, &v.inBytes}, {FieldOutputBytes, &v.outBytes},
	}
	for _, c := range counts {
		if r, ok := d.Record(c.id); ok {
			x, ok := d.Uint(c.id)
			if !ok || r.Type == TypeF64 {
				return nil, invalid("record " + strconv.Itoa(int(c.id)) + " is not a count")
			}
			*c.dst = x
		}
	}
	if v.requests > maxCount || v.workers > 1<<20 || v.active > 1<<20 {
		return nil, invalid("implausible count")
	}
	for i := range v.statuses {
		if x, ok := d.Uint(StatusClassField + uint16(i)); ok {
			if x > maxCount {
				return nil, invalid("implausible status count")
			}
			v.statuses[i], v.hasStatus = x, true
		}
	}
	for p := Phase(0); p < NumPhases; p++ {
		if x, ok := d.Float(PhaseField + uint16(p)); ok {
			if !finiteNonNeg(x) {
				return nil, invalid("phase mean")
			}
			v.mean[p], v.hasMean[p] = x, true
		}
		lo, ok1 := d.Float(PhaseMinField + uint16(p))
		hi, ok2 := d.Float(PhaseMaxField + uint16(p))
		if ok1 || ok2 {
			if !ok1 || !ok2 || !finiteNonNeg(lo) || !finiteNonNeg(hi) || lo > hi {
				return nil, invalid("phase minimum and maximum")
			}
			v.min[p], v.max[p], v.hasMax[p] = lo, hi, true
		}
		if b, ok := d.Int32s(PhaseBucketsField + uint16(p)); ok && len(b) == NumBuckets {
			for _, c := range b {
				if c < 0 {
					return nil, invalid("negative bucket count")
				}
			}
			v.buckets[p] = b
		}
	}
	if x, ok := d.Uint(FieldExpressBucketResolution); ok && x == bucketResolutionLegacy {
		v.coarse = true
	}
	if el, ok := d.Float64s(FieldSlotCurrentElapsed); ok {
		for _, e := range el {
			if e > 0 {
				v.inFlight++
			}
		}
	}
	return v, nil
}

// applySample adds a periodic sample to its group's counters and its
// process's window.
func (s *Store) applySample(d *Datagram, now time.Time) error {
	v, err := parseSample(d)
	if err != nil {
		return err
	}
	gname := groupName(d)
	g, err := s.group(gname)
	if err != nil {
		return err
	}
	p := s.process(gname, d.PID, now)
	s.touch(p, d, now)
	p.identity(d)
	if p.state == stateLost {
		// Silent for a while (stopped by a debugger, starved), but alive.
		// Its stop stays counted: counters never go back.
		p.state = stateRunning
		s.assignSlot(p)
	}
	s.countUnknown(d)

	// Requests by class.
	if v.hasStatus {
		for i, c := range v.statuses {
			g.requests[i] += c
			p.requests += c
		}
	} else {
		g.requests[5] += v.requests
		g.noClasses = true
		p.requests += v.requests
	}

	g.addPhases(v)
	g.addCPU(p, v)
	p.setGauges(v)
	p.points.push(v.windowPoint(now, p.busy), s.opt.Points)
	s.x.hist.addSample(p, gname, v, now)
	p.threads = threadViews(d, v.period)
	s.x.caps.note(d, v)
	return nil
}

// addPhases adds the sample's phase histograms to the group's. Means are
// totals over the interval's requests; that count is the request phase's
// (else the server phase's) total.
func (g *group) addPhases(v *sample) {
	var total [NumPhases]uint64
	for ph, b := range v.buckets {
		for _, c := range b {
			total[ph] += uint64(c)
		}
	}
	n := float64(v.requests)
	if v.buckets[PhaseRequest] != nil {
		n = float64(total[PhaseRequest])
	} else if v.buckets[PhaseServer] != nil {
		n = float64(total[PhaseServer])
	}
	for ph, b := range v.buckets {
		if b == nil {
			continue
		}
		g.reported[ph] = true
		h := &g.phases[ph]
		for i, c := range b {
			h.Counts[i] += uint64(c)
		}
		h.Count += total[ph]
		h.Sum += v.mean[ph] * n
		h.noMean = h.noMean || !v.hasMean[ph]
		h.Coarse = h.Coarse || v.coarse
		if v.hasMax[ph] && total[ph] > 0 {
			h.observeExtremes(v.min[ph], v.max[ph])
		}
	}

}

// addCPU adds the process's CPU time to its group's: cumulative seconds
// when the sender gives them (our reporter for older modules), else the
// interval's rate × its length; and the bytes read and written.
func (g *group) addCPU(p *process, v *sample) {
	if v.hasCPUTime {
		delta := v.cpuTime - p.lastCPUTime
		if delta < 0 { // counter restarted
			delta = v.cpuTime
		}
		g.cpuSeconds += delta
		p.lastCPUTime = v.cpuTime
	} else {
		g.cpuSeconds += v.cpuUtil * v.period
	}
	g.inputBytes += v.inBytes
	g.outputBytes += v.outBytes

}

// setGauges keeps the sample's gauges as the process's latest.
func (p *process) setGauges(v *sample) {
	p.interval, p.slowThreshold = v.interval, v.slowThreshold
	p.workers, p.threadsActive = v.workers, v.active
	p.capacity = v.capacity
	p.busy = v.capacity * float64(v.workers)
	p.cpuUtil = v.cpuUtil
	p.rss, p.maxRSS = v.rss, v.maxRSS
	p.inFlight = v.inFlight
	p.coarse = p.coarse || v.coarse

}

// windowPoint is the sample as the process's window keeps it.
func (v *sample) windowPoint(now time.Time, busy float64) point {
	pt := point{at: now, period: v.period, requests: v.requests, busy: busy,
		cpu: v.cpuUtil, rss: v.rss, max: -1, phase: PhaseRequest, coarse: v.coarse}
	if v.hasStatus {
		pt.requests = 0
		for _, c := range v.statuses {
			pt.requests += c
		}
		pt.errors = v.statuses[4]
	}
	if v.buckets[PhaseRequest] == nil {
		pt.phase = PhaseApplication
	}
	if b := v.buckets[pt.phase]; b != nil {
		var n uint64
		for i, c := range b {
			pt.hist[i] = uint32(c)
			n += uint64(c)
		}
		pt.sum = v.mean[pt.phase] * float64(n)
		if !v.hasMean[pt.phase] {
			pt.sum = -1 // unknown
		}
	}
	if v.hasMax[pt.phase] {
		pt.min, pt.max = v.min[pt.phase], v.max[pt.phase]
	}
	return pt
}

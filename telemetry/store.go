package telemetry

import (
	"errors"
	"math"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"
)

// EmbeddedGroup is the process_group label of processes that report no
// group: Apache children running the application in embedded mode.
const EmbeddedGroup = "(embedded)"

// Options bound a Store. Zero fields take the defaults shown.
type Options struct {
	Window       time.Duration    // rates and percentiles cover this much history: 60s
	Points       int              // samples kept per process: 300
	StaleAfter   time.Duration    // a process silent this long (or 5 of its intervals) is lost: 30s
	Linger       time.Duration    // stopped and lost processes stay listed this long: 60s
	MaxProcesses int              // processes tracked at once: 1024
	MaxGroups    int              // process groups ever seen: 64 (counters are kept for all of them)
	SlowRequests int              // recent slow requests kept: 100
	Now          func() time.Time // clock: time.Now
}

func (o Options) withDefaults() Options {
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	defInt := func(d *int, v int) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&o.Window, 60*time.Second)
	def(&o.StaleAfter, 30*time.Second)
	def(&o.Linger, 60*time.Second)
	defInt(&o.Points, 300)
	defInt(&o.MaxProcesses, 1024)
	defInt(&o.MaxGroups, 64)
	defInt(&o.SlowRequests, 100)
	if o.Now == nil {
		o.Now = time.Now
	}
	return o
}

// Store aggregates decoded telemetry: a rolling window per process,
// cumulative counters per process group and recent slow requests. It is
// safe for concurrent use, and its memory is bounded by Options.
type Store struct {
	mu         sync.Mutex
	opt        Options
	groups     map[string]*group
	procs      map[procKey]*process
	byPID      map[uint32]*process
	slow       []*slowRecord // oldest first
	stats      ingestStats
	lastExpire time.Time
}

type ingestStats struct {
	accepted      [maxKind + 1]uint64
	dropped       map[Reason]uint64
	lost          uint64 // datagrams missing from a process's sequence
	unknownFields uint64
	last          time.Time
}

type procKey struct {
	group string
	pid   uint32
}

type procState int

const (
	stateRunning procState = iota
	stateStopping
	stateStopped
	stateLost
)

var stateNames = [...]string{"running", "stopping", "stopped", "lost"}

type group struct {
	name          string
	requests      [6]uint64 // 1xx..5xx, then "unknown" (module gives no classes)
	phases        [NumPhases]Histogram
	reported      [NumPhases]bool // the module sends this phase's histogram
	noClasses     bool            // some samples had no response classes
	cpuSeconds    float64
	inputBytes    uint64
	outputBytes   uint64
	starts        uint64
	restarts      uint64
	pendingStops  uint64 // stops not yet followed by a start
	stops         map[string]uint64
	slowCompleted uint64
}

type process struct {
	key                             procKey
	state                           procState
	firstSeen, lastSeen             time.Time
	startedAt, stoppedAt            time.Time
	startKnown, stopCounted         bool
	stopReason                      string
	modWSGI, python, apache, mpm    string
	host                            string
	parentPID                       uint64
	interval, slowThreshold, uptime float64
	seq                             uint32
	haveSeq                         bool
	workers, threadsActive          uint64
	busy, capacity, cpuUtil         float64
	inFlight                        int
	lastCPUTime                     float64
	rss, maxRSS                     uint64
	requests                        uint64
	coarse                          bool
	points                          ring
}

// ring holds a process's latest samples, oldest overwritten first.
type ring struct {
	buf   []point
	start int // index of the oldest sample once buf is full
}

func (r *ring) push(pt point, max int) {
	if len(r.buf) < max {
		r.buf = append(r.buf, pt)
		return
	}
	r.buf[r.start] = pt
	r.start = (r.start + 1) % len(r.buf)
}

func (r *ring) len() int { return len(r.buf) }

// at returns the i-th oldest sample.
func (r *ring) at(i int) *point { return &r.buf[(r.start+i)%len(r.buf)] }

// point is one periodic sample of a process.
type point struct {
	at       time.Time
	period   float64
	requests uint64
	busy     float64
	cpu      float64
	rss      uint64
	min, max float64 // exact extremes of the primary phase, max -1 when unknown
	hist     [NumBuckets]uint32
	phase    Phase // primary phase of hist: request, else application
	coarse   bool
}

type slowRecord struct {
	SlowRequest
	seen    time.Time // when last reported
	counted bool
}

// NewStore returns an empty store.
func NewStore(opt Options) *Store {
	return &Store{
		opt:    opt.withDefaults(),
		groups: map[string]*group{},
		procs:  map[procKey]*process{},
		byPID:  map[uint32]*process{},
		stats:  ingestStats{dropped: map[Reason]uint64{}},
	}
}

// errDrop carries the reason a well-formed datagram is not kept.
type errDrop struct {
	reason Reason
	detail string
}

func (e *errDrop) Error() string {
	return "telemetry datagram dropped (" + string(e.reason) + "): " + e.detail
}

func invalid(detail string) error { return &errDrop{ReasonInvalid, detail} }

// ReasonOf returns the drop reason of an error from Ingest.
func ReasonOf(err error) Reason {
	var de *DecodeError
	if errors.As(err, &de) {
		return de.Reason
	}
	var ed *errDrop
	if errors.As(err, &ed) {
		return ed.reason
	}
	return ReasonInvalid
}

// Ingest decodes one datagram and applies it. A datagram that is
// malformed, or well formed but impossible, changes nothing but the drop
// counter of its reason, and the error says why.
func (s *Store) Ingest(b []byte) error {
	d, err := Decode(b)
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.opt.Now()
	if err == nil {
		err = s.apply(d, now)
	}
	if err != nil {
		s.stats.dropped[ReasonOf(err)]++
		return err
	}
	s.stats.accepted[d.Kind]++
	s.stats.last = now
	s.expire(now)
	return nil
}

// Drop counts a datagram dropped before decoding (by the receiver).
func (s *Store) Drop(r Reason) {
	s.mu.Lock()
	s.stats.dropped[r]++
	s.mu.Unlock()
}

func (s *Store) apply(d *Datagram, now time.Time) error {
	switch d.Kind {
	case KindRequest:
		return s.applySample(d, now)
	case KindProcessStarted:
		return s.applyStarted(d, now)
	case KindProcessStopping, KindProcessStopped:
		return s.applyStop(d, now)
	case KindSlowRequest:
		return s.applySlow(d, now)
	}
	// GC snapshots and events (and the unused process/server kinds) keep
	// their process alive but are not aggregated.
	if p := s.byPID[d.PID]; p != nil {
		s.touch(p, d, now)
	}
	s.countUnknown(d)
	return nil
}

func (s *Store) countUnknown(d *Datagram) {
	for _, r := range d.Records {
		if !knownField(r.ID) {
			s.stats.unknownFields++
		}
	}
}

// groupName is the datagram's process group, or EmbeddedGroup when the
// datagram (a kind that always names a daemon group) names none.
func groupName(d *Datagram) string {
	if g, ok := d.String(FieldProcessGroup); ok && g != "" {
		return cleanText(g, 128)
	}
	return EmbeddedGroup
}

func (s *Store) group(name string) (*group, error) {
	if g := s.groups[name]; g != nil {
		return g, nil
	}
	if len(s.groups) >= s.opt.MaxGroups {
		return nil, &errDrop{ReasonLimit, "too many process groups"}
	}
	g := &group{name: name, stops: map[string]uint64{}}
	s.groups[name] = g
	return g, nil
}

// process returns the process for (group, pid), creating it if needed.
func (s *Store) process(gname string, pid uint32, now time.Time) *process {
	k := procKey{gname, pid}
	if p := s.procs[k]; p != nil {
		return p
	}
	if len(s.procs) >= s.opt.MaxProcesses {
		s.evictOne(now)
	}
	p := &process{key: k, firstSeen: now, lastSeen: now, startedAt: now}
	s.procs[k] = p
	s.byPID[pid] = p
	return p
}

func (s *Store) remove(p *process) {
	delete(s.procs, p.key)
	if s.byPID[p.key.pid] == p {
		delete(s.byPID, p.key.pid)
	}
}

// evictOne makes room: the longest-stopped process, else the longest
// silent one.
func (s *Store) evictOne(now time.Time) {
	var victim *process
	for _, p := range s.procs {
		if victim == nil || evictBefore(p, victim) {
			victim = p
		}
	}
	if victim != nil {
		s.markGone(victim, stateLost, "lost", now)
		s.remove(victim)
	}
}

func evictBefore(a, b *process) bool {
	ad, bd := a.state >= stateStopped, b.state >= stateStopped
	if ad != bd {
		return ad
	}
	if ad {
		return a.stoppedAt.Before(b.stoppedAt)
	}
	return a.lastSeen.Before(b.lastSeen)
}

// touch notes that p sent d: liveness and the sequence number.
func (s *Store) touch(p *process, d *Datagram, now time.Time) {
	p.lastSeen = now
	if p.haveSeq && d.Seq > p.seq {
		if gap := d.Seq - p.seq - 1; gap < 1<<20 {
			s.stats.lost += uint64(gap)
		}
	}
	p.seq, p.haveSeq = d.Seq, true
}

func (p *process) identity(d *Datagram) {
	set := func(dst *string, id uint16) {
		if v, ok := d.String(id); ok && v != "" {
			*dst = cleanText(v, 64)
		}
	}
	set(&p.modWSGI, FieldModWSGIVersion)
	set(&p.python, FieldPythonVersion)
	set(&p.apache, FieldApacheVersion)
	set(&p.mpm, FieldMPMName)
	set(&p.host, FieldHostname)
	if v, ok := d.Uint(FieldParentPID); ok {
		p.parentPID = v
	}
}

func (s *Store) applyStarted(d *Datagram, now time.Time) error {
	if v, ok := d.Float(FieldSwitchInterval); ok && !finite(v) {
		return invalid("switch interval")
	}
	gname := groupName(d)
	g, err := s.group(gname)
	if err != nil {
		return err
	}
	if old := s.procs[procKey{gname, d.PID}]; old != nil {
		// The pid was reused, or a process we joined mid-stream restarted
		// under the same pid: close the old record first.
		s.markGone(old, stateLost, "lost", now)
		s.remove(old)
	}
	p := s.process(gname, d.PID, now)
	s.touch(p, d, now)
	p.startKnown = true
	p.startedAt = stampTime(d.Stamp, now)
	p.identity(d)
	g.starts++
	if g.pendingStops > 0 {
		g.restarts++
		g.pendingStops--
	}
	s.countUnknown(d)
	return nil
}

func (s *Store) applyStop(d *Datagram, now time.Time) error {
	gname := groupName(d)
	if _, ok := d.String(FieldProcessGroup); !ok {
		if p := s.byPID[d.PID]; p != nil {
			gname = p.key.group
		}
	}
	uptime, hasUptime := d.Float(FieldProcessUptime)
	if hasUptime && !finiteNonNeg(uptime) {
		return invalid("process uptime")
	}
	if _, err := s.group(gname); err != nil {
		return err
	}
	p := s.process(gname, d.PID, now)
	s.touch(p, d, now)
	p.identity(d)
	reason := "unknown"
	if r, ok := d.String(FieldShutdownReason); ok && r != "" {
		reason = r
	}
	if d.Kind == KindProcessStopping {
		if p.state == stateRunning {
			p.state = stateStopping
		}
		s.countStop(p, reason)
	} else {
		if hasUptime {
			p.uptime = uptime
		}
		s.markGone(p, stateStopped, reason, now)
	}
	s.countUnknown(d)
	return nil
}

// countStop counts p's stop once.
func (s *Store) countStop(p *process, reason string) {
	p.stopReason = cleanReason(reason)
	if p.stopCounted {
		return
	}
	p.stopCounted = true
	g := s.groups[p.key.group]
	if g == nil {
		return
	}
	r := p.stopReason
	if _, ok := g.stops[r]; !ok && len(g.stops) >= 16 {
		r = "other"
	}
	g.stops[r]++
	g.pendingStops++
}

func (s *Store) markGone(p *process, st procState, reason string, now time.Time) {
	if p.state < stateStopped {
		p.state = st
		p.stoppedAt = now
	}
	s.countStop(p, reason)
}

// expire marks silent processes lost and forgets those stopped long ago.
func (s *Store) expire(now time.Time) {
	if now.Sub(s.lastExpire) < time.Second && !now.Before(s.lastExpire) {
		return
	}
	s.lastExpire = now
	for _, p := range s.procs {
		stale := s.opt.StaleAfter
		if iv := time.Duration(5 * p.interval * float64(time.Second)); iv > stale {
			stale = iv
		}
		if p.state < stateStopped && now.Sub(p.lastSeen) > stale {
			s.markGone(p, stateLost, "lost", now)
		}
		if p.state >= stateStopped && now.Sub(p.stoppedAt) > s.opt.Linger {
			s.remove(p)
		}
	}
}

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
	min, max                        [NumPhases]float64
	hasMax                          [NumPhases]bool
	buckets                         [NumPhases][]int32
	coarse                          bool
	inBytes, outBytes               uint64
	inFlight                        int
}

// maxCount bounds any per-interval count: more is taken as corrupt.
const maxCount = 1 << 32

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
			v.mean[p] = x
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

	// Phase histograms. Means are totals over the interval's requests;
	// that count is the request phase's (else the server phase's) total.
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
		h.Coarse = h.Coarse || v.coarse
		if v.hasMax[ph] && total[ph] > 0 {
			h.observeExtremes(v.min[ph], v.max[ph])
		}
	}

	// CPU: cumulative seconds when the sender gives them (our reporter for
	// older modules), else the interval's rate × its length.
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

	// Latest gauges.
	p.interval, p.slowThreshold = v.interval, v.slowThreshold
	p.workers, p.threadsActive = v.workers, v.active
	p.capacity = v.capacity
	p.busy = v.capacity * float64(v.workers)
	p.cpuUtil = v.cpuUtil
	p.rss, p.maxRSS = v.rss, v.maxRSS
	p.inFlight = v.inFlight
	p.coarse = p.coarse || v.coarse

	pt := point{at: now, period: v.period, requests: v.requests, busy: p.busy,
		cpu: v.cpuUtil, rss: v.rss, max: -1, phase: PhaseRequest, coarse: v.coarse}
	if v.hasStatus {
		pt.requests = 0
		for _, c := range v.statuses {
			pt.requests += c
		}
	}
	if v.buckets[PhaseRequest] == nil {
		pt.phase = PhaseApplication
	}
	if b := v.buckets[pt.phase]; b != nil {
		for i, c := range b {
			pt.hist[i] = uint32(c)
		}
	}
	if v.hasMax[pt.phase] {
		pt.min, pt.max = v.min[pt.phase], v.max[pt.phase]
	}
	p.points.push(pt, s.opt.Points)
	return nil
}

func (s *Store) applySlow(d *Datagram, now time.Time) error {
	r := SlowRequest{PID: d.PID, Stamp: stampTime(d.Stamp, now)}
	st, _ := d.Uint(FieldSlowState)
	r.Completed = st == 1
	dur, ok := d.Float(FieldSlowDuration)
	start, ok2 := d.Float(FieldSlowStartStamp)
	if !ok || !ok2 || !finiteNonNeg(dur) || !finiteNonNeg(start) {
		return invalid("slow request without a valid start or duration")
	}
	r.Duration, r.Start = dur, stampTime(start, now)
	tid, _ := d.Uint(FieldSlowThreadID)
	r.Thread = tid
	status, _ := d.Uint(FieldSlowStatus)
	if status > 999 {
		return invalid("slow request status")
	}
	r.Status = int(status)
	str := func(id uint16, max int) string {
		v, _ := d.String(id)
		return cleanText(v, max)
	}
	r.LogID = str(FieldSlowLogID, 64)
	r.Method = str(FieldSlowMethod, 16)
	r.Scheme = str(FieldSlowScheme, 16)
	r.Host = str(FieldSlowHostname, 256)
	r.Path = str(FieldSlowScriptName, 256) + str(FieldSlowPathInfo, 512)
	r.Protocol = str(FieldSlowProtocol, 16)
	r.PeerIP = str(FieldSlowPeerIP, 46)
	r.UserAgent = str(FieldSlowUserAgent, 512)
	for _, f := range []struct {
		id  uint16
		dst *float64
	}{{FieldSlowServerTime, &r.Phases.Server}, {FieldSlowQueueTime, &r.Phases.Queue},
		{FieldSlowDaemonTime, &r.Phases.Daemon}, {FieldSlowApplicationTime, &r.Phases.Application}} {
		if x, ok := d.Float(f.id); ok && finiteNonNeg(x) {
			*f.dst = x
		}
	}
	p := s.byPID[d.PID]
	if p != nil {
		r.Group = p.key.group
		s.touch(p, d, now)
	}
	s.countUnknown(d)

	// The same request is reported each tick while active, then once when
	// completed: update it in place.
	var rec *slowRecord
	for _, x := range s.slow {
		if x.PID == r.PID && x.sameRequest(&r) {
			rec = x
			break
		}
	}
	if rec == nil {
		if len(s.slow) >= s.opt.SlowRequests {
			s.slow = append(s.slow[:0], s.slow[1:]...)
		}
		rec = &slowRecord{}
		s.slow = append(s.slow, rec)
	}
	counted := rec.counted
	if r.Group == "" {
		r.Group = rec.Group
	}
	rec.SlowRequest = r
	rec.counted = counted
	rec.seen = now
	if r.Completed && !rec.counted && r.Group != "" {
		if g := s.groups[r.Group]; g != nil {
			g.slowCompleted++
			rec.counted = true
		}
	}
	return nil
}

func (x *slowRecord) sameRequest(r *SlowRequest) bool {
	if x.LogID != "" || r.LogID != "" {
		return x.LogID == r.LogID
	}
	return x.Thread == r.Thread && math.Abs(x.Start.Sub(r.Start).Seconds()) < 0.001
}

// Helpers.

func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

func finiteNonNeg(v float64) bool { return v >= 0 && !math.IsInf(v, 1) }

// stampTime converts an epoch-seconds stamp, falling back to now when it
// is absurd (more than a day away).
func stampTime(stamp float64, now time.Time) time.Time {
	if !finite(stamp) || math.Abs(stamp-float64(now.UnixNano())/1e9) > 86400 {
		return now
	}
	sec, frac := math.Modf(stamp)
	return time.Unix(int64(sec), int64(frac*1e9))
}

// cleanText makes wire text safe to show anywhere: valid UTF-8, no control
// characters (a terminal would obey them) or bidirectional overrides, at
// most max bytes.
func cleanText(s string, max int) string {
	if len(s) > max {
		s = s[:max]
		for len(s) > 0 && !utf8.ValidString(s) {
			s = s[:len(s)-1]
		}
	}
	clean := true
	for _, r := range s {
		if unsafeRune(r) {
			clean = false
			break
		}
	}
	if clean {
		return s
	}
	return strings.Map(func(r rune) rune {
		if unsafeRune(r) {
			return '?'
		}
		return r
	}, strings.ToValidUTF8(s, "?"))
}

func unsafeRune(r rune) bool {
	return r == utf8.RuneError || unicode.IsControl(r) || unicode.Is(unicode.Bidi_Control, r)
}

// cleanReason keeps a shutdown reason usable as a label value: lower-case
// letters, digits and underscores, at most 40 bytes.
func cleanReason(s string) string {
	if s == "" {
		return "unknown"
	}
	if len(s) > 40 {
		s = s[:40]
	}
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9', r == '_':
			return r
		case r >= 'A' && r <= 'Z':
			return r + 'a' - 'A'
		}
		return '_'
	}, s)
}

package telemetry

import (
	"errors"
	"sync"
	"time"
)

// EmbeddedGroup is the process_group label of processes that report no
// group: Apache children running the application in embedded mode.
const EmbeddedGroup = "(embedded)"

// Options bound a Store. Zero fields take the defaults shown.
type Options struct {
	Window       time.Duration // rates and percentiles cover this much history: 60s
	Points       int           // samples kept per process: 300
	StaleAfter   time.Duration // a process silent this long (or 5 of its intervals) is lost: 30s
	Linger       time.Duration // stopped and lost processes stay listed this long: 60s
	MaxProcesses int           // processes tracked at once: 1024
	MaxGroups    int           // process groups ever seen: 64 (counters are kept for all of them)
	SlowRequests int           // recent slow requests kept: 100
	Step         time.Duration // history resolution, the telemetry interval: 1s (never less)
	History      time.Duration // history kept for /api/series and /api/histogram: 15m
	Events       int           // lifecycle events (and past timeline bars) kept: 10000
	// Alive reports whether a process still exists (ProcessExists when the
	// ingester shares the processes' host); nil: never checked, processes
	// that die without a word are lost only when silent past StaleAfter.
	Alive func(pid uint32) bool
	Now   func() time.Time // clock: time.Now
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
	defInt(&o.Events, 10000)
	def(&o.History, 15*time.Minute)
	if o.Step < time.Second {
		o.Step = time.Second
	}
	if o.History < 2*o.Step {
		o.History = 2 * o.Step
	}
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
	x          *extra // history, lifecycle log (history.go, events.go)
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
	slot                            int
	threads                         []ThreadView // last interval's (threads.go)
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
	errors   uint64 // 5xx
	busy     float64
	cpu      float64
	rss      uint64
	min, max float64 // exact extremes of the primary phase, max -1 when unknown
	sum      float64 // seconds: the primary phase's mean × its count
	hist     [NumBuckets]uint32
	phase    Phase // primary phase of hist: request, else application
	coarse   bool
}

// NewStore returns an empty store.
func NewStore(opt Options) *Store {
	opt = opt.withDefaults()
	return &Store{
		opt:    opt,
		groups: map[string]*group{},
		procs:  map[procKey]*process{},
		byPID:  map[uint32]*process{},
		stats:  ingestStats{dropped: map[Reason]uint64{}},
		x:      newExtra(opt),
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
	s.x.caps.note(d, nil)
	s.stats.last = now
	s.tick(now)
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
	p := &process{key: k, firstSeen: now, lastSeen: now, startedAt: now, slot: -1}
	s.procs[k] = p
	s.byPID[pid] = p
	s.assignSlot(p)
	return p
}

func (s *Store) remove(p *process) {
	s.retire(p)
	s.freeSlot(p)
	s.x.hist.forget(p)
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
		s.markGone(victim, stateLost, "lost", now, nil)
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

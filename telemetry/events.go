package telemetry

import (
	"time"
)

// extra is the store's history, lifecycle log and the measures the
// snapshot derives from them.
type extra struct {
	hist   *history
	events []Event // ring, oldest at evStart once full
	evNext int
	evFull bool
	bars   []Bar // processes removed from the store, ring
	barPos int
	life   map[string]*groupLife
	caps   seenCaps
}

// groupLife is a group's lifecycle bookkeeping.
type groupLife struct {
	slots     []*process // by slot; nil: free
	pending   []pendingStop
	restartBy map[string]uint64
}

type pendingStop struct {
	reason string
	pid    uint32
}

// maxPendingStops bounds the stops waiting for a replacement per group.
const maxPendingStops = 256

// Event is one entry of the lifecycle log (GET /api/events).
type Event struct {
	T        float64  `json:"t"`
	Kind     string   `json:"kind"` // started, restarted, stopping, stopped, lost
	Group    string   `json:"group"`
	PID      uint32   `json:"pid"`
	Slot     int      `json:"slot"`
	Reason   string   `json:"reason,omitempty"`
	Uptime   *float64 `json:"uptime,omitempty"`
	Requests *uint64  `json:"requests,omitempty"`
	InFlight *uint64  `json:"in_flight,omitempty"`
	Replaces uint32   `json:"replaces,omitempty"`
}

// Bar is one process's life on the timeline (GET /api/timeline).
type Bar struct {
	Group  string   `json:"group"`
	Slot   int      `json:"slot"`
	PID    uint32   `json:"pid"`
	Start  float64  `json:"start"`
	End    *float64 `json:"end"`
	State  string   `json:"state"`
	Reason string   `json:"reason"`
}

func newExtra(opt Options) *extra {
	return &extra{hist: newHistory(opt), events: make([]Event, 0, 64),
		bars: make([]Bar, 0, 64), life: map[string]*groupLife{}}
}

func (x *extra) groupLife(name string) *groupLife {
	l := x.life[name]
	if l == nil {
		l = &groupLife{restartBy: map[string]uint64{}}
		x.life[name] = l
	}
	return l
}

func unix(t time.Time) float64 { return float64(t.UnixNano()) / 1e9 }

// event appends to the log, overwriting the oldest past Options.Events.
func (s *Store) event(e Event) {
	x := s.x
	if len(x.events) < s.opt.Events {
		x.events = append(x.events, e)
		return
	}
	x.events[x.evNext] = e
	x.evNext = (x.evNext + 1) % len(x.events)
	x.evFull = true
}

// Events returns the log, newest first, since t (Unix seconds; 0: all).
func (s *Store) Events(since float64) []Event {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.tick(s.opt.Now())
	x := s.x
	out := []Event{}
	n := len(x.events)
	for i := n - 1; i >= 0; i-- {
		e := x.events[(x.evNext+i)%n]
		if e.T > since {
			out = append(out, e)
		}
	}
	return out
}

// assignSlot gives p the lowest free slot of its group (its own again
// when free).
func (s *Store) assignSlot(p *process) {
	l := s.x.groupLife(p.key.group)
	if p.slot >= 0 && p.slot < len(l.slots) && (l.slots[p.slot] == nil || l.slots[p.slot] == p) {
		l.slots[p.slot] = p
		return
	}
	for i, q := range l.slots {
		if q == nil {
			l.slots[i], p.slot = p, i
			return
		}
	}
	p.slot = len(l.slots)
	l.slots = append(l.slots, p)
}

func (s *Store) freeSlot(p *process) {
	l := s.x.groupLife(p.key.group)
	if p.slot >= 0 && p.slot < len(l.slots) && l.slots[p.slot] == p {
		l.slots[p.slot] = nil
	}
	for len(l.slots) > 0 && l.slots[len(l.slots)-1] == nil {
		l.slots = l.slots[:len(l.slots)-1]
	}
}

// noteStop queues a stop for the group's next start (a restart).
func (s *Store) noteStop(p *process, reason string) {
	l := s.x.groupLife(p.key.group)
	if len(l.pending) >= maxPendingStops {
		l.pending = append(l.pending[:0], l.pending[1:]...)
	}
	l.pending = append(l.pending, pendingStop{reason, p.key.pid})
}

// noteStart counts a start: a restart when it follows a stop, by that
// stop's reason. It returns the replaced stop, if any.
func (s *Store) noteStart(g *group) (pendingStop, bool) {
	l := s.x.groupLife(g.name)
	if len(l.pending) == 0 {
		return pendingStop{}, false
	}
	ps := l.pending[0]
	l.pending = append(l.pending[:0], l.pending[1:]...)
	r := ps.reason
	if _, ok := l.restartBy[r]; !ok && len(l.restartBy) >= 16 {
		r = "other"
	}
	l.restartBy[r]++
	return ps, true
}

// retire keeps a removed process's bar for the timeline.
func (s *Store) retire(p *process) {
	b := p.bar()
	x := s.x
	if len(x.bars) < s.opt.Events {
		x.bars = append(x.bars, b)
		return
	}
	x.bars[x.barPos] = b
	x.barPos = (x.barPos + 1) % len(x.bars)
}

func (p *process) bar() Bar {
	b := Bar{Group: p.key.group, Slot: p.slot, PID: p.key.pid, Start: unix(p.startedAt),
		State: stateNames[p.state]}
	if p.state >= stateStopped {
		e := unix(p.stoppedAt)
		b.End, b.Reason = &e, p.stopReason
	}
	if p.state == stateStopping {
		b.Reason = p.stopReason
	}
	return b
}

// Timeline returns the bars of the processes alive at some time in the
// last window, by group, slot and start.
func (s *Store) Timeline(window time.Duration) []Bar {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.opt.Now()
	s.tick(now)
	since := unix(now.Add(-window))
	out := []Bar{}
	for _, b := range s.x.bars {
		if b.End == nil || *b.End >= since {
			out = append(out, b)
		}
	}
	for _, p := range s.procs {
		b := p.bar()
		if b.End == nil || *b.End >= since {
			out = append(out, b)
		}
	}
	sortBars(out)
	return out
}

// checkAlive marks lost (reason crash) the live processes whose pid no
// longer exists: a crash says nothing on the wire. One that was already
// stopping is taken as stopped, for its reason.
func (s *Store) checkAlive(now time.Time) {
	if s.opt.Alive == nil {
		return
	}
	for _, p := range s.procs {
		if p.state >= stateStopped || s.opt.Alive(p.key.pid) {
			continue
		}
		if p.state == stateStopping {
			s.markGone(p, stateStopped, p.stopReason, now, nil)
		} else {
			s.markGone(p, stateLost, "crash", now, nil)
		}
	}
}

// Tick brings the store up to now: closes history steps, checks that
// live processes still exist and expires silent ones. The ingester calls
// it every second, so a crash shows within seconds even when nothing is
// received or read.
func (s *Store) Tick() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.tick(s.opt.Now())
}

func (s *Store) tick(now time.Time) {
	s.advanceHistory(now)
	s.expire(now)
}

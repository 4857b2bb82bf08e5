package telemetry

import (
	"time"
)

// applyStarted registers a new process (a STARTED datagram).
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
		s.markGone(old, stateLost, "lost", now, nil)
		s.remove(old)
	}
	// A sibling that crashed is the stop this start replaces: look before
	// counting.
	s.checkAlive(now)
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
	e := Event{T: unix(now), Kind: "started", Group: gname, PID: d.PID, Slot: p.slot}
	if ps, ok := s.noteStart(g); ok {
		e.Kind, e.Reason, e.Replaces = "restarted", ps.reason, ps.pid
	}
	s.event(e)
	s.countUnknown(d)
	return nil
}

// applyStop handles STOPPING (draining) and STOPPED.
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
			e := Event{T: unix(now), Kind: "stopping", Group: gname, PID: d.PID, Slot: p.slot,
				Reason: cleanReason(reason)}
			if n, ok := d.Uint(FieldActiveRequestsAtStop); ok {
				e.InFlight = &n
			}
			s.event(e)
		}
		s.countStop(p, reason)
	} else {
		if hasUptime {
			p.uptime = uptime
		}
		e := &Event{}
		if n, ok := d.Uint(FieldActiveRequestsAtExit); ok {
			e.InFlight = &n
		}
		if n, ok := d.Uint(FieldLifetimeRequestCount); ok {
			e.Requests = &n
		}
		s.markGone(p, stateStopped, reason, now, e)
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
	s.noteStop(p, p.stopReason)
}

// markGone ends p (stopped or lost) for reason, logging it with the
// details in e (nil: none beyond p's own).
func (s *Store) markGone(p *process, st procState, reason string, now time.Time, e *Event) {
	if p.state >= stateStopped {
		s.countStop(p, reason)
		return
	}
	p.state = st
	p.stoppedAt = now
	s.countStop(p, reason)
	s.freeSlot(p)
	if e == nil {
		e = &Event{}
	}
	e.T, e.Kind, e.Group, e.PID, e.Slot, e.Reason = unix(now), stateNames[st], p.key.group, p.key.pid, p.slot, p.stopReason
	up := p.stoppedAt.Sub(p.startedAt).Seconds()
	if p.uptime > 0 {
		up = p.uptime
	}
	e.Uptime = &up
	if e.Requests == nil {
		n := p.requests
		e.Requests = &n
	}
	if e.InFlight == nil && st == stateLost {
		n := uint64(p.inFlight)
		e.InFlight = &n
	}
	s.event(*e)
}

// expire marks silent processes lost and forgets those stopped long ago.
func (s *Store) expire(now time.Time) {
	if now.Sub(s.lastExpire) < time.Second && !now.Before(s.lastExpire) {
		return
	}
	s.lastExpire = now
	s.checkAlive(now)
	for _, p := range s.procs {
		stale := s.opt.StaleAfter
		if iv := time.Duration(5 * p.interval * float64(time.Second)); iv > stale {
			stale = iv
		}
		if p.state < stateStopped && now.Sub(p.lastSeen) > stale {
			s.markGone(p, stateLost, "lost", now, nil)
		}
		if p.state >= stateStopped && now.Sub(p.stoppedAt) > s.opt.Linger {
			s.remove(p)
		}
	}
}

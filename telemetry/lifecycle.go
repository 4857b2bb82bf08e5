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
		s.markGone(old, stateLost, "lost", now)
		s.remove(old)
	}
	p := s.process(gname, d.PID, now)
	s.touch(p, d, now)
	p.startKnown = true
	p.startedAt = stampTime(d.Stamp, now)
	p.identity(d)
	g.starts++
	s.slotOf(p)
	if g.pendingStops > 0 {
		g.restarts++
		g.pendingStops--
		g.noteRestart()
	}
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
	g.noteStop(p.stopReason)
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

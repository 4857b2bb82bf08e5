package telemetry

import (
	"math"
	"time"
)

// slowRecord is a slow request as the store keeps it.
type slowRecord struct {
	SlowRequest
	seen    time.Time // when last reported
	counted bool
}

// applySlow records a slow request: reported once per interval while it
// runs past the threshold, then once more when it completes.
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
	r.readDetail(d)
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

package telemetry

// Record IDs of the wire format, as mod_wsgi 6.0.5 assigns them (its
// wsgi_telemetry.h). IDs are append-only across releases. The comment after
// each gives the type the module sends.
const (
	// Identity (STARTED carries 1-7; each periodic REQUEST sample repeats
	// them; STOPPING/STOPPED carry only 5 and 6). 6 is absent in embedded
	// mode. 8 names the sub-interpreter on GC datagrams when a process has
	// more than one.
	FieldModWSGIVersion  uint16 = 1 // bytes
	FieldPythonVersion   uint16 = 2 // bytes
	FieldApacheVersion   uint16 = 3 // bytes
	FieldMPMName         uint16 = 4 // bytes
	FieldHostname        uint16 = 5 // bytes
	FieldProcessGroup    uint16 = 6 // bytes
	FieldParentPID       uint16 = 7 // u64
	FieldInterpreterName uint16 = 8 // bytes

	// Sampling configuration.
	FieldSamplePeriod          uint16 = 10 // f64 measured seconds since the previous sample
	FieldTelemetryInterval     uint16 = 11 // f64 configured interval
	FieldSlowRequestsThreshold uint16 = 12 // f64, 0 when not configured
	FieldSwitchInterval        uint16 = 13 // f64 sys.getswitchinterval()

	// Requests and capacity for the interval.
	FieldRequestCount        uint16 = 20 // u64 requests completed in the interval
	FieldRequestThroughput   uint16 = 21 // f64 requests per second
	FieldCapacityUtilization uint16 = 22 // f64 busy thread-seconds / (period × maximum)

	// CPU: 30-32 are rates over the interval (fraction of one core); 35-37
	// are cumulative seconds, which mod_wsgi 6.0.5 does not send but our
	// reporter for older modules does (from process_metrics()).
	FieldCPUUserUtilization   uint16 = 30
	FieldCPUSystemUtilization uint16 = 31
	FieldCPUUtilization       uint16 = 32
	FieldCPUUserTime          uint16 = 35
	FieldCPUSystemTime        uint16 = 36
	FieldCPUTime              uint16 = 37

	FieldMemoryRSS    uint16 = 40 // u64 bytes
	FieldMemoryMaxRSS uint16 = 41 // u64 bytes

	FieldThreadsMaximum uint16 = 50 // u64 configured worker threads
	FieldThreadsStarted uint16 = 51 // u64
	FieldThreadsActive  uint16 = 52 // u64 threads that did any work in the interval

	// Per-phase means for the interval (seconds): PhaseField+phase; exact
	// minimum and maximum: PhaseMinField/PhaseMaxField+phase (sent only when
	// a request completed); histograms: PhaseBucketsField+phase (i32 ×65).
	PhaseField        uint16 = 60
	PhaseMinField     uint16 = 70
	PhaseMaxField     uint16 = 80
	PhaseBucketsField uint16 = 90

	FieldInputBytes   uint16 = 100 // u64
	FieldInputReads   uint16 = 101 // u64
	FieldOutputBytes  uint16 = 102 // u64
	FieldOutputWrites uint16 = 103 // u64

	// Per worker slot (one entry per thread): completed count (i32 array),
	// busy, CPU, current elapsed, max duration (f64 arrays, seconds).
	FieldSlotCompleted      uint16 = 110
	FieldSlotBusyTime       uint16 = 111
	FieldSlotCPUTime        uint16 = 112
	FieldSlotCurrentElapsed uint16 = 113
	FieldSlotMaxDuration    uint16 = 114

	// Responses by status class in the interval: StatusClassField+0 is
	// 1xx ... +4 is 5xx (a request that failed before start_response counts
	// as 5xx). They sum to the interval's request count.
	StatusClassField uint16 = 120

	// Lifecycle payload.
	FieldShutdownReason          uint16 = 130 // bytes
	FieldProcessUptime           uint16 = 131 // f64 seconds
	FieldLifetimeRequestCount    uint16 = 132 // u64
	FieldActiveRequestsAtStop    uint16 = 133 // u64, STOPPING
	FieldActiveRequestsAtExit    uint16 = 134 // u64, STOPPED
	FieldGracefulDrain           uint16 = 135 // u64 0/1
	FieldSlowState               uint16 = 200 // u64 0 active, 1 completed
	FieldSlowStartStamp          uint16 = 201 // f64 epoch seconds
	FieldSlowDuration            uint16 = 202 // f64
	FieldSlowThreadID            uint16 = 203 // u64
	FieldSlowLogID               uint16 = 204 // bytes
	FieldSlowServerPID           uint16 = 205 // u64
	FieldSlowMethod              uint16 = 210 // bytes
	FieldSlowScheme              uint16 = 211
	FieldSlowHostname            uint16 = 212
	FieldSlowScriptName          uint16 = 213
	FieldSlowPathInfo            uint16 = 214
	FieldSlowProtocol            uint16 = 215
	FieldSlowPeerIP              uint16 = 216
	FieldSlowUserAgent           uint16 = 217 // only with +CaptureUserAgent
	FieldSlowServerTime          uint16 = 220 // f64
	FieldSlowQueueTime           uint16 = 221
	FieldSlowDaemonTime          uint16 = 222
	FieldSlowApplicationTime     uint16 = 223
	FieldSlowGILWaitTime         uint16 = 224
	FieldSlowGILWaitCount        uint16 = 225 // u64
	FieldSlowInputBytes          uint16 = 230 // u64
	FieldSlowInputReads          uint16 = 231
	FieldSlowOutputBytes         uint16 = 232
	FieldSlowOutputWrites        uint16 = 233
	FieldSlowInputReadTime       uint16 = 234 // f64
	FieldSlowOutputWriteTime     uint16 = 235 // f64
	FieldSlowStatus              uint16 = 240 // u64, 0 while active
	FieldSlowCPUUserTime         uint16 = 250 // f64
	FieldSlowCPUSystemTime       uint16 = 251 // f64
	FieldSlowActiveAtStart       uint16 = 260 // u64
	FieldSlowActiveAtCompletion  uint16 = 261 // u64
	FieldGCCount0                uint16 = 300 // 300-317: GC snapshot counters (u64)
	FieldGCDroppedEvents         uint16 = 317
	FieldGCEventStartStamp       uint16 = 320 // 320-324: one GC pause
	FieldGCEventUncollectable    uint16 = 324
	lastKnownField                      = FieldGCEventUncollectable
	FieldExpressBucketResolution uint16 = 0xF000 // see below
)

// FieldExpressBucketResolution is not mod_wsgi's: our reporter for modules
// older than 6 sends it (u64 1) on samples whose histograms were converted
// from mod_wsgi 4.x's 16 buckets (upper bounds 5 ms × 2^k). Those counts are
// placed in the 65-bucket layout at the bucket ending on the same bound, so
// any consumer reads sensible values, and this record tells ours that only
// those bounds are exact. It lies far above mod_wsgi's ID blocks, which end
// below 400.
const bucketResolutionLegacy = 1

// Phase indexes the request phases (and the three overlap measures) that
// have means, extremes and histograms on the wire.
type Phase int

// Phases in wire order: server, queue, daemon, application and request are
// the successive phases (request = the sum of the four); gil_wait,
// input_read and output_write overlap the application phase.
const (
	PhaseServer Phase = iota
	PhaseQueue
	PhaseDaemon
	PhaseApplication
	PhaseRequest
	PhaseGILWait
	PhaseInputRead
	PhaseOutputWrite
	NumPhases
)

var phaseNames = [NumPhases]string{"server", "queue", "daemon", "application", "request", "gil_wait", "input_read", "output_write"}

func (p Phase) String() string {
	if p >= 0 && p < NumPhases {
		return phaseNames[p]
	}
	return "phase?"
}

// StatusClasses are the response classes, in wire order.
var StatusClasses = [5]string{"1xx", "2xx", "3xx", "4xx", "5xx"}

// knownField reports whether id is one mod_wsgi 6.0.5 (or our reporter)
// defines; the store counts the others.
func knownField(id uint16) bool {
	switch {
	case id >= 1 && id <= 8, id >= 10 && id <= 13, id >= 20 && id <= 22,
		id >= 30 && id <= 32, id >= 35 && id <= 37, id == 40, id == 41,
		id >= 50 && id <= 52, id >= 60 && id <= 67, id >= 70 && id <= 77,
		id >= 80 && id <= 87, id >= 90 && id <= 97, id >= 100 && id <= 103,
		id >= 110 && id <= 114, id >= 120 && id <= 124, id >= 130 && id <= 135,
		id >= 200 && id <= 205, id >= 210 && id <= 217, id >= 220 && id <= 225,
		id >= 230 && id <= 235, id == 240, id == 250, id == 251, id == 260, id == 261,
		id >= 300 && id <= 317, id >= 320 && id <= lastKnownField,
		id == FieldExpressBucketResolution:
		return true
	}
	return false
}

package telemetry

import (
	"bytes"
	"encoding/binary"
	"errors"
	"math"
	"reflect"
	"testing"
)

// TestDecodeFixtures decodes datagrams captured from mod_wsgi 6.0.5 and
// checks what the format says each kind carries.
func TestDecodeFixtures(t *testing.T) {
	fixtures := loadFixtures(t)
	tests := []struct {
		name    string
		kind    Kind
		group   string // "" when the datagram has none
		strings map[uint16]string
		uints   map[uint16]uint64
		floats  map[uint16]float64
		arrays  map[uint16]int // I32 or F64 array lengths
	}{
		{name: "started-daemon", kind: KindProcessStarted, group: "app",
			strings: map[uint16]string{FieldModWSGIVersion: "6.0.5", FieldMPMName: "event", FieldApacheVersion: "Apache/2.4.71"},
			uints:   map[uint16]uint64{FieldParentPID: 31058}, floats: map[uint16]float64{FieldSwitchInterval: 0.005}},
		{name: "started-embedded", kind: KindProcessStarted,
			strings: map[uint16]string{FieldModWSGIVersion: "6.0.5", FieldPythonVersion: "3.11.2"}},
		{name: "request-daemon", kind: KindRequest, group: "app",
			uints:  map[uint16]uint64{FieldRequestCount: 6, FieldThreadsMaximum: 4, StatusClassField + 1: 6, FieldOutputBytes: 36},
			floats: map[uint16]float64{FieldTelemetryInterval: 0.5, FieldSlowRequestsThreshold: 1.0},
			arrays: map[uint16]int{PhaseBucketsField + uint16(PhaseRequest): 65, PhaseBucketsField + uint16(PhaseQueue): 65,
				FieldSlotCompleted: 4, FieldSlotCurrentElapsed: 4}},
		{name: "request-embedded", kind: KindRequest,
			uints:  map[uint16]uint64{FieldRequestCount: 2, FieldThreadsMaximum: 25},
			arrays: map[uint16]int{PhaseBucketsField + uint16(PhaseRequest): 65, FieldSlotBusyTime: 25}},
		{name: "request-daemon-idle", kind: KindRequest, group: "app", uints: map[uint16]uint64{FieldRequestCount: 0}},
		{name: "slow-daemon-active", kind: KindSlowRequest,
			uints:   map[uint16]uint64{FieldSlowState: 0, FieldSlowStatus: 0},
			strings: map[uint16]string{FieldSlowMethod: "GET", FieldSlowPathInfo: "/slow", FieldSlowUserAgent: "slow-agent"}},
		{name: "slow-daemon-completed", kind: KindSlowRequest,
			uints: map[uint16]uint64{FieldSlowState: 1, FieldSlowStatus: 200}},
		{name: "slow-embedded-completed", kind: KindSlowRequest,
			uints: map[uint16]uint64{FieldSlowState: 1}, strings: map[uint16]string{FieldSlowScriptName: "/emb"}},
		{name: "stopping-daemon", kind: KindProcessStopping, group: "app",
			strings: map[uint16]string{FieldShutdownReason: "maximum_requests"}, uints: map[uint16]uint64{FieldActiveRequestsAtStop: 0}},
		{name: "stopped-daemon", kind: KindProcessStopped, group: "app",
			uints: map[uint16]uint64{FieldLifetimeRequestCount: 300, FieldGracefulDrain: 1}},
		{name: "stopped-embedded", kind: KindProcessStopped, uints: map[uint16]uint64{FieldGracefulDrain: 1}},
		{name: "gc-snapshot", kind: KindGCSnapshot, uints: map[uint16]uint64{FieldGCCount0 + 3: 700}},
		{name: "gc-snapshot-named", kind: KindGCSnapshot, strings: map[uint16]string{FieldInterpreterName: "localhost:18765|/emb"}},
		{name: "gc-event", kind: KindGCEvent},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, ok := fixtures[tt.name]
			if !ok {
				t.Fatalf("no fixture %s", tt.name)
			}
			d, err := Decode(b)
			if err != nil {
				t.Fatal(err)
			}
			if d.Version != 1 || d.Kind != tt.kind || d.Flags != 0 || d.PID == 0 || d.Seq == 0 {
				t.Errorf("header %+v, want version 1, kind %v, flags 0", d.Header, tt.kind)
			}
			if d.Stamp < 1.7e9 || d.Stamp > 2e9 {
				t.Errorf("stamp %v is not epoch seconds", d.Stamp)
			}
			if g, _ := d.String(FieldProcessGroup); g != tt.group {
				t.Errorf("process group %q, want %q", g, tt.group)
			}
			for id, want := range tt.strings {
				if got, _ := d.String(id); got != want {
					t.Errorf("record %d = %q, want %q", id, got, want)
				}
			}
			for id, want := range tt.uints {
				if got, ok := d.Uint(id); !ok || got != want {
					t.Errorf("record %d = %d (present %v), want %d", id, got, ok, want)
				}
			}
			for id, want := range tt.floats {
				if got, ok := d.Float(id); !ok || got != want {
					t.Errorf("record %d = %v (present %v), want %v", id, got, ok, want)
				}
			}
			for id, want := range tt.arrays {
				r, ok := d.Record(id)
				if !ok || len(r.I32s)+len(r.F64s) != want {
					t.Errorf("record %d: %d elements, want %d", id, len(r.I32s)+len(r.F64s), want)
				}
			}
			for _, r := range d.Records {
				if !knownField(r.ID) {
					t.Errorf("record %d is not in the field table", r.ID)
				}
			}
			// Encoding what was decoded gives the same bytes back.
			again, err := Encode(d)
			if err != nil || !bytes.Equal(again, b) {
				t.Errorf("re-encoding differs (err %v)", err)
			}
		})
	}
}

// TestDecodeCapture decodes every datagram of the recorded run.
func TestDecodeCapture(t *testing.T) {
	kinds := map[Kind]int{}
	for i, b := range loadCapture(t) {
		d, err := Decode(b)
		if err != nil {
			t.Fatalf("datagram %d: %v", i, err)
		}
		kinds[d.Kind]++
	}
	// What mod_wsgi 6.0.5 sent: periodic samples are KindRequest;
	// KindProcess and KindServer never appear.
	want := map[Kind]int{KindRequest: 299, KindSlowRequest: 4, KindProcessStarted: 13,
		KindProcessStopping: 13, KindProcessStopped: 13, KindGCSnapshot: 400, KindGCEvent: 64}
	if !reflect.DeepEqual(kinds, want) {
		t.Errorf("kinds %v, want %v", kinds, want)
	}
}

func header(kind Kind) []byte {
	b := make([]byte, HeaderSize)
	copy(b, Magic)
	b[4], b[5] = WireVersion, byte(kind)
	binary.LittleEndian.PutUint32(b[8:], 42)
	binary.LittleEndian.PutUint32(b[12:], 7)
	binary.LittleEndian.PutUint64(b[16:], math.Float64bits(1.7e9))
	return b
}

func cat(parts ...[]byte) []byte { return bytes.Join(parts, nil) }

// malformed are datagrams the decoder must refuse, with the reason.
var malformed = []struct {
	name   string
	b      []byte
	reason Reason
}{
	{"empty", nil, ReasonShort},
	{"23 bytes", header(KindRequest)[:23], ReasonShort},
	{"bad magic", cat([]byte("WSGJ"), header(KindRequest)[4:]), ReasonMagic},
	{"lower-case magic", cat([]byte("wsgi"), header(KindRequest)[4:]), ReasonMagic},
	{"version 0", func() []byte { b := header(KindRequest); b[4] = 0; return b }(), ReasonVersion},
	{"version 2", func() []byte { b := header(KindRequest); b[4] = 2; return b }(), ReasonVersion},
	{"kind 0", header(0), ReasonKind},
	{"kind 10", header(10), ReasonKind},
	{"kind 255", header(255), ReasonKind},
	{"record header cut", cat(header(KindRequest), []byte{20, 0}), ReasonTruncated},
	{"u64 cut", cat(header(KindRequest), []byte{20, 0, 1, 1, 2, 3}), ReasonTruncated},
	{"f64 cut", cat(header(KindRequest), []byte{10, 0, 2}), ReasonTruncated},
	{"bytes length cut", cat(header(KindRequest), []byte{6, 0, 4, 9}), ReasonTruncated},
	{"bytes longer than datagram", cat(header(KindRequest), []byte{6, 0, 4, 10, 0, 'a', 'p', 'p'}), ReasonTruncated},
	{"i32 array cut", cat(header(KindRequest), []byte{94, 0, 5, 65, 0}, make([]byte, 64*4)), ReasonTruncated},
	{"f64 array cut", cat(header(KindRequest), []byte{111, 0, 6, 2, 0}, make([]byte, 15)), ReasonTruncated},
	{"array length 65535", cat(header(KindRequest), []byte{94, 0, 5, 0xff, 0xff}), ReasonTruncated},
	{"type 0", cat(header(KindRequest), []byte{20, 0, 0}, make([]byte, 8)), ReasonType},
	{"type 7", cat(header(KindRequest), []byte{20, 0, 7}, make([]byte, 8)), ReasonType},
	{"type 255 after a good record", cat(header(KindRequest), []byte{20, 0, 1}, make([]byte, 8), []byte{21, 0, 0xff}), ReasonType},
}

func TestDecodeMalformed(t *testing.T) {
	for _, tt := range malformed {
		t.Run(tt.name, func(t *testing.T) {
			d, err := Decode(tt.b)
			var de *DecodeError
			if !errors.As(err, &de) {
				t.Fatalf("Decode = %+v, %v; want a DecodeError", d, err)
			}
			if de.Reason != tt.reason || ReasonOf(err) != tt.reason {
				t.Errorf("reason %q, want %q (%v)", de.Reason, tt.reason, err)
			}
		})
	}
}

func TestDecodeEdges(t *testing.T) {
	tests := []struct {
		name    string
		b       []byte
		records int
	}{
		{"header only", header(KindRequest), 0},
		{"every kind has a header-only form", header(KindGCEvent), 0},
		{"flags set (reserved) are accepted", func() []byte { b := header(KindRequest); b[6] = 1; return b }(), 0},
		{"unknown record id is kept", cat(header(KindRequest), []byte{0x39, 0x30, 1}, make([]byte, 8)), 1},
		{"empty bytes and arrays", cat(header(KindRequest), []byte{6, 0, 4, 0, 0, 94, 0, 5, 0, 0, 111, 0, 6, 0, 0}), 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := Decode(tt.b)
			if err != nil {
				t.Fatal(err)
			}
			if len(d.Records) != tt.records {
				t.Errorf("%d records, want %d", len(d.Records), tt.records)
			}
		})
	}
}

func TestAccessors(t *testing.T) {
	b, err := Encode(&Datagram{Header: Header{Version: 1, Kind: KindRequest, PID: 1},
		Records: []Record{U64(20, 5), F64(21, 2.5), {ID: 22, Type: TypeI64, I64: -3},
			{ID: 23, Type: TypeI64, I64: 4}, Str(6, "g"), I32s(94, []int32{1, -1}),
			{ID: 111, Type: TypeF64Array, F64s: []float64{0.5}}}})
	if err != nil {
		t.Fatal(err)
	}
	d, err := Decode(b)
	if err != nil {
		t.Fatal(err)
	}
	check := func(what string, got, want any) {
		t.Helper()
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s = %v, want %v", what, got, want)
		}
	}
	u, ok := d.Uint(20)
	check("Uint(u64)", []any{u, ok}, []any{uint64(5), true})
	u, ok = d.Uint(22)
	check("Uint(negative i64)", ok, false)
	u, ok = d.Uint(23)
	check("Uint(i64)", []any{u, ok}, []any{uint64(4), true})
	_, ok = d.Uint(21)
	check("Uint(f64)", ok, false)
	f, _ := d.Float(20)
	check("Float(u64)", f, 5.0)
	f, _ = d.Float(22)
	check("Float(i64)", f, -3.0)
	_, ok = d.Float(6)
	check("Float(bytes)", ok, false)
	s, _ := d.String(6)
	check("String", s, "g")
	_, ok = d.String(20)
	check("String(u64)", ok, false)
	a, _ := d.Int32s(94)
	check("Int32s", a, []int32{1, -1})
	fa, _ := d.Float64s(111)
	check("Float64s", fa, []float64{0.5})
	_, ok = d.Int32s(111)
	check("Int32s(f64 array)", ok, false)
	_, ok = d.Record(999)
	check("missing record", ok, false)
}

func TestEncodeErrors(t *testing.T) {
	for _, r := range []Record{{ID: 1, Type: 9}, {ID: 2, Type: TypeBytes, Bytes: make([]byte, 70000)}} {
		if _, err := Encode(&Datagram{Header: Header{Version: 1, Kind: KindRequest}, Records: []Record{r}}); err == nil {
			t.Errorf("Encode(%d) succeeded", r.ID)
		}
	}
}

func TestKindString(t *testing.T) {
	for k, want := range map[Kind]string{KindRequest: "request", KindGCEvent: "gc_event", 0: "kind0", 12: "kind12"} {
		if got := k.String(); got != want {
			t.Errorf("Kind(%d) = %q, want %q", k, got, want)
		}
	}
}

// fuzzSeeds are the captured datagrams and the malformed table.
func fuzzSeeds(f *testing.F) {
	for _, b := range loadFixtures(f) {
		f.Add(b)
	}
	for _, m := range malformed {
		f.Add(m.b)
	}
}

// FuzzDecode feeds arbitrary bytes to the decoder: it must not panic,
// must refuse with a DecodeError, and whatever it accepts must re-encode
// to the same bytes.
func FuzzDecode(f *testing.F) {
	fuzzSeeds(f)
	f.Fuzz(func(t *testing.T, b []byte) {
		d, err := Decode(b)
		if err != nil {
			if _, ok := err.(*DecodeError); !ok {
				t.Fatalf("error %T %v is not a DecodeError", err, err)
			}
			return
		}
		again, err := Encode(d)
		if err != nil {
			t.Fatalf("re-encode: %v", err)
		}
		if !bytes.Equal(again, b) {
			t.Fatalf("re-encoded %x, decoded from %x", again, b)
		}
	})
}

// FuzzIngest feeds arbitrary bytes to a store that already holds state: it
// must not panic, and a datagram it refuses changes nothing but the drop
// counters; the views built on it must not panic either.
func FuzzIngest(f *testing.F) {
	fuzzSeeds(f)
	for _, b := range [][]byte{gcSnap(1, 3, 10, 2, 1, 0), gcPause(1, 4, 1.7e9, 0.001, 1),
		busyTick(1, 5, 1, gilHist(map[float64]int32{0.006: 3}), 1, 0.5)} {
		f.Add(b)
	}
	base := [][]byte{started(1, 1, "app"), tick(1, 2, "app", 5)}
	f.Fuzz(func(t *testing.T, b []byte) {
		s := NewStore(Options{Now: fixedClock(1.7e9)})
		for _, x := range base {
			s.Ingest(x)
		}
		before := metricsWithoutDrops(s)
		if err := s.Ingest(b); err != nil {
			if after := metricsWithoutDrops(s); after != before {
				t.Fatalf("a refused datagram (%v) changed the metrics:\n%s", err, after)
			}
		}
		snap := s.Snapshot()
		RenderTop(&snap, 80, 24)
		s.GC(60, "")
		s.GIL(60, "")
	})
}

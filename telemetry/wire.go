package telemetry

import (
	"encoding/binary"
	"fmt"
	"math"
)

// Wire format constants (mod_wsgi 6 "External Telemetry Service"): a
// 24-byte little-endian header followed by TLV records up to the end of the
// datagram.
const (
	// Magic is the first four bytes of every datagram.
	Magic = "WSGI"
	// WireVersion is the only header version this decoder accepts.
	WireVersion = 1
	// HeaderSize is the size of the fixed header in bytes.
	HeaderSize = 24
	// MaxDatagram is the largest datagram the receiver reads; the module
	// sizes its own buffers at 8 KiB.
	MaxDatagram = 64 * 1024
)

// Kind is the header's datagram kind.
type Kind uint8

// Datagram kinds. KindProcess and KindServer are defined by the format
// but mod_wsgi 6.0.5 never sends them: its periodic sample is KindRequest.
const (
	KindProcess         Kind = 1
	KindRequest         Kind = 2
	KindServer          Kind = 3
	KindSlowRequest     Kind = 4
	KindProcessStarted  Kind = 5
	KindProcessStopping Kind = 6
	KindProcessStopped  Kind = 7
	KindGCSnapshot      Kind = 8
	KindGCEvent         Kind = 9
	maxKind                  = KindGCEvent
)

var kindNames = [...]string{
	KindProcess:         "process",
	KindRequest:         "request",
	KindServer:          "server",
	KindSlowRequest:     "slow_request",
	KindProcessStarted:  "process_started",
	KindProcessStopping: "process_stopping",
	KindProcessStopped:  "process_stopped",
	KindGCSnapshot:      "gc_snapshot",
	KindGCEvent:         "gc_event",
}

func (k Kind) String() string {
	if k >= 1 && k <= maxKind {
		return kindNames[k]
	}
	return fmt.Sprintf("kind%d", uint8(k))
}

// Type is a TLV record's value type.
type Type uint8

// Record value types. Scalars are 8 bytes; BYTES and the arrays carry a
// uint16 element count before the value.
const (
	TypeU64      Type = 1
	TypeF64      Type = 2
	TypeI64      Type = 3
	TypeBytes    Type = 4
	TypeI32Array Type = 5
	TypeF64Array Type = 6
)

// Header is the fixed part of a datagram.
type Header struct {
	Version uint8
	Kind    Kind
	Flags   uint16 // reserved, zero in mod_wsgi 6.0.5
	PID     uint32
	Seq     uint32  // per process, shared by every kind
	Stamp   float64 // seconds since the Unix epoch
}

// Record is one decoded TLV record. Exactly one value field is meaningful,
// chosen by Type.
type Record struct {
	ID    uint16
	Type  Type
	U64   uint64
	I64   int64
	F64   float64
	Bytes []byte // TypeBytes; a copy, not aliasing the datagram
	I32s  []int32
	F64s  []float64
}

// Datagram is a decoded telemetry datagram.
type Datagram struct {
	Header
	Records []Record
}

// Reason says why a datagram was dropped; it is the "reason" label of
// mod_wsgi_telemetry_datagrams_dropped_total.
type Reason string

// Drop reasons. The first six come from the decoder, the rest from the
// store's checks of a well-formed datagram and from the receiver.
const (
	ReasonShort     Reason = "short"       // shorter than the header
	ReasonMagic     Reason = "bad_magic"   // not "WSGI"
	ReasonVersion   Reason = "bad_version" // header version other than 1
	ReasonKind      Reason = "bad_kind"    // kind outside 1..9
	ReasonType      Reason = "bad_type"    // TLV type tag unknown: the rest cannot be skipped
	ReasonTruncated Reason = "truncated"   // a TLV header or value runs past the end
	ReasonInvalid   Reason = "invalid"     // well formed but impossible values (negative counts, NaN, ...)
	ReasonOversize  Reason = "oversize"    // larger than MaxDatagram (cut by the kernel)
	ReasonLimit     Reason = "limit"       // would exceed the store's bounds (too many groups)
)

// Reasons lists every drop reason, in the order metrics show them.
var Reasons = []Reason{ReasonShort, ReasonMagic, ReasonVersion, ReasonKind,
	ReasonType, ReasonTruncated, ReasonInvalid, ReasonOversize, ReasonLimit}

// DecodeError is returned for a malformed datagram.
type DecodeError struct {
	Reason Reason
	Offset int
	Detail string
}

func (e *DecodeError) Error() string {
	return fmt.Sprintf("telemetry datagram %s at byte %d: %s", e.Reason, e.Offset, e.Detail)
}

func decodeErr(r Reason, off int, format string, args ...any) error {
	return &DecodeError{Reason: r, Offset: off, Detail: fmt.Sprintf(format, args...)}
}

// Decode parses one datagram. It never panics: anything malformed is a
// *DecodeError. Record IDs it does not know are kept (the format's IDs are
// append-only, and every record's type says how to skip it); an unknown
// type tag is an error, since its length cannot be known.
func Decode(b []byte) (*Datagram, error) {
	if len(b) < HeaderSize {
		return nil, decodeErr(ReasonShort, 0, "%d bytes, the header alone is %d", len(b), HeaderSize)
	}
	if string(b[:4]) != Magic {
		return nil, decodeErr(ReasonMagic, 0, "magic %q, want %q", b[:4], Magic)
	}
	d := &Datagram{Header: Header{
		Version: b[4],
		Kind:    Kind(b[5]),
		Flags:   binary.LittleEndian.Uint16(b[6:]),
		PID:     binary.LittleEndian.Uint32(b[8:]),
		Seq:     binary.LittleEndian.Uint32(b[12:]),
		Stamp:   math.Float64frombits(binary.LittleEndian.Uint64(b[16:])),
	}}
	if d.Version != WireVersion {
		return nil, decodeErr(ReasonVersion, 4, "version %d, want %d", d.Version, WireVersion)
	}
	if d.Kind < 1 || d.Kind > maxKind {
		return nil, decodeErr(ReasonKind, 5, "kind %d", uint8(d.Kind))
	}
	// Check every record before allocating anything, then decode into a
	// slice of the right size.
	n, err := walk(b, nil)
	if err != nil {
		return nil, err
	}
	d.Records = make([]Record, 0, n)
	walk(b, func(r Record, val []byte) {
		switch r.Type {
		case TypeU64:
			r.U64 = binary.LittleEndian.Uint64(val)
		case TypeF64:
			r.F64 = math.Float64frombits(binary.LittleEndian.Uint64(val))
		case TypeI64:
			r.I64 = int64(binary.LittleEndian.Uint64(val))
		case TypeBytes:
			r.Bytes = append([]byte(nil), val...)
		case TypeI32Array:
			r.I32s = make([]int32, len(val)/4)
			for i := range r.I32s {
				r.I32s[i] = int32(binary.LittleEndian.Uint32(val[4*i:]))
			}
		case TypeF64Array:
			r.F64s = make([]float64, len(val)/8)
			for i := range r.F64s {
				r.F64s[i] = math.Float64frombits(binary.LittleEndian.Uint64(val[8*i:]))
			}
		}
		d.Records = append(d.Records, r)
	})
	return d, nil
}

// walk steps through the records after the header, calling fn (when not
// nil) with each record's ID and type and its value's bytes, and returns
// how many there are, or the first malformation.
func walk(b []byte, fn func(r Record, val []byte)) (int, error) {
	count := 0
	off := HeaderSize
	for off < len(b) {
		if len(b)-off < 3 {
			return 0, decodeErr(ReasonTruncated, off, "%d bytes left, a record header is 3", len(b)-off)
		}
		r := Record{ID: binary.LittleEndian.Uint16(b[off:]), Type: Type(b[off+2])}
		start := off
		off += 3
		size := 8
		switch r.Type {
		case TypeU64, TypeF64, TypeI64:
		case TypeBytes, TypeI32Array, TypeF64Array:
			if len(b)-off < 2 {
				return 0, decodeErr(ReasonTruncated, start, "record %d: no room for its length", r.ID)
			}
			n := int(binary.LittleEndian.Uint16(b[off:]))
			off += 2
			switch r.Type {
			case TypeBytes:
				size = n
			case TypeI32Array:
				size = 4 * n
			default:
				size = 8 * n
			}
		default:
			return 0, decodeErr(ReasonType, start+2, "record %d: type tag 0x%02x", r.ID, uint8(r.Type))
		}
		if len(b)-off < size {
			return 0, decodeErr(ReasonTruncated, start, "record %d: value of %d bytes, %d left", r.ID, size, len(b)-off)
		}
		if fn != nil {
			fn(r, b[off:off+size])
		}
		off += size
		count++
	}
	return count, nil
}

// Record returns the first record with the given ID.
func (d *Datagram) Record(id uint16) (*Record, bool) {
	for i := range d.Records {
		if d.Records[i].ID == id {
			return &d.Records[i], true
		}
	}
	return nil, false
}

// Float returns a numeric record's value as a float64 (any scalar type).
func (d *Datagram) Float(id uint16) (float64, bool) {
	r, ok := d.Record(id)
	if !ok {
		return 0, false
	}
	switch r.Type {
	case TypeF64:
		return r.F64, true
	case TypeU64:
		return float64(r.U64), true
	case TypeI64:
		return float64(r.I64), true
	}
	return 0, false
}

// Uint returns a non-negative integer record's value (U64, or I64 >= 0).
func (d *Datagram) Uint(id uint16) (uint64, bool) {
	r, ok := d.Record(id)
	if !ok {
		return 0, false
	}
	switch {
	case r.Type == TypeU64:
		return r.U64, true
	case r.Type == TypeI64 && r.I64 >= 0:
		return uint64(r.I64), true
	}
	return 0, false
}

// String returns a BYTES record as a string.
func (d *Datagram) String(id uint16) (string, bool) {
	r, ok := d.Record(id)
	if !ok || r.Type != TypeBytes {
		return "", false
	}
	return string(r.Bytes), true
}

// Int32s returns an I32_ARRAY record.
func (d *Datagram) Int32s(id uint16) ([]int32, bool) {
	r, ok := d.Record(id)
	if !ok || r.Type != TypeI32Array {
		return nil, false
	}
	return r.I32s, true
}

// Float64s returns an F64_ARRAY record.
func (d *Datagram) Float64s(id uint16) ([]float64, bool) {
	r, ok := d.Record(id)
	if !ok || r.Type != TypeF64Array {
		return nil, false
	}
	return r.F64s, true
}

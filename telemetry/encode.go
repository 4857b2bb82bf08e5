package telemetry

import (
	"encoding/binary"
	"fmt"
	"math"
)

// Encode is the inverse of Decode: it lays out d's header (magic and the
// given version) and records. Tests and tools use it to make datagrams.
func Encode(d *Datagram) ([]byte, error) {
	b := make([]byte, HeaderSize, 256)
	copy(b, Magic)
	b[4] = d.Version
	b[5] = byte(d.Kind)
	binary.LittleEndian.PutUint16(b[6:], d.Flags)
	binary.LittleEndian.PutUint32(b[8:], d.PID)
	binary.LittleEndian.PutUint32(b[12:], d.Seq)
	binary.LittleEndian.PutUint64(b[16:], math.Float64bits(d.Stamp))
	for _, r := range d.Records {
		b = binary.LittleEndian.AppendUint16(b, r.ID)
		b = append(b, byte(r.Type))
		n := 0
		switch r.Type {
		case TypeU64:
			b = binary.LittleEndian.AppendUint64(b, r.U64)
			continue
		case TypeF64:
			b = binary.LittleEndian.AppendUint64(b, math.Float64bits(r.F64))
			continue
		case TypeI64:
			b = binary.LittleEndian.AppendUint64(b, uint64(r.I64))
			continue
		case TypeBytes:
			n = len(r.Bytes)
		case TypeI32Array:
			n = len(r.I32s)
		case TypeF64Array:
			n = len(r.F64s)
		default:
			return nil, fmt.Errorf("record %d: unknown type %d", r.ID, r.Type)
		}
		if n > math.MaxUint16 {
			return nil, fmt.Errorf("record %d: %d elements, at most %d fit", r.ID, n, math.MaxUint16)
		}
		b = binary.LittleEndian.AppendUint16(b, uint16(n))
		switch r.Type {
		case TypeBytes:
			b = append(b, r.Bytes...)
		case TypeI32Array:
			for _, v := range r.I32s {
				b = binary.LittleEndian.AppendUint32(b, uint32(v))
			}
		default:
			for _, v := range r.F64s {
				b = binary.LittleEndian.AppendUint64(b, math.Float64bits(v))
			}
		}
	}
	return b, nil
}

// Record constructors, for building datagrams.

// U64 makes an unsigned integer record.
func U64(id uint16, v uint64) Record { return Record{ID: id, Type: TypeU64, U64: v} }

// F64 makes a float record.
func F64(id uint16, v float64) Record { return Record{ID: id, Type: TypeF64, F64: v} }

// Str makes a BYTES record.
func Str(id uint16, v string) Record { return Record{ID: id, Type: TypeBytes, Bytes: []byte(v)} }

// I32s makes an I32_ARRAY record.
func I32s(id uint16, v []int32) Record { return Record{ID: id, Type: TypeI32Array, I32s: v} }

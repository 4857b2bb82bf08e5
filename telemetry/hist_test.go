package telemetry

import (
	"math"
	"testing"
)

func TestBucketLayout(t *testing.T) {
	for i := 0; i < NumBuckets-1; i++ {
		up := BucketUpperBound(i)
		if got := BucketIndex(up * (1 - 1e-9)); got != i {
			t.Errorf("just under bucket %d's bound %v: index %d", i, up, got)
		}
		if got := BucketIndex(up); got != i+1 { // a bound lands in the higher bucket
			t.Errorf("bucket %d's bound %v: index %d, want %d", i, up, got, i+1)
		}
	}
	for _, tt := range []struct {
		seconds float64
		index   int
	}{
		{0, 0}, {0.0005, 0}, {0.001, 0}, {0.00124, 0}, {0.00125, 1}, {0.002, 4}, {0.005, 9},
		{0.0049, 8}, {1, 39}, {65.535, 63}, {65.536, 64}, {1e6, 64}, {math.NaN(), 0}, {-1, 0},
	} {
		if got := BucketIndex(tt.seconds); got != tt.index {
			t.Errorf("BucketIndex(%v) = %d, want %d", tt.seconds, got, tt.index)
		}
	}
	if BucketUpperBound(63) != 65.536 || !math.IsInf(BucketUpperBound(64), 1) || BucketUpperBound(0) != 0.00125 {
		t.Error("layout ends")
	}
	// 4.x bounds (5 ms × 2^k) are bounds of the 65-bucket layout.
	for k := 0; k < 14; k++ {
		if got, want := BucketUpperBound(LegacyBucketIndex(k)), 0.005*math.Ldexp(1, k); math.Abs(got-want) > 1e-12 {
			t.Errorf("legacy bucket %d ends at %v, want %v", k, got, want)
		}
	}
	if LegacyBucketIndex(14) != 64 || LegacyBucketIndex(15) != 64 {
		t.Error("legacy overflow")
	}
}

// TestBucketLayoutMatchesModule checks the layout against real data: in
// every captured sample, each phase's exact minimum and maximum fall in
// its first and last non-empty buckets.
func TestBucketLayoutMatchesModule(t *testing.T) {
	checked := 0
	for _, b := range loadCapture(t) {
		d, _ := Decode(b)
		if d.Kind != KindRequest {
			continue
		}
		for ph := Phase(0); ph < NumPhases; ph++ {
			buckets, ok := d.Int32s(PhaseBucketsField + uint16(ph))
			lo, ok1 := d.Float(PhaseMinField + uint16(ph))
			hi, ok2 := d.Float(PhaseMaxField + uint16(ph))
			if !ok || !ok1 || !ok2 {
				continue
			}
			first, last := -1, -1
			for i, c := range buckets {
				if c > 0 {
					if first < 0 {
						first = i
					}
					last = i
				}
			}
			if BucketIndex(lo) != first || BucketIndex(hi) != last {
				t.Errorf("%v: min %v max %v in buckets %d..%d, module filled %d..%d",
					ph, lo, hi, BucketIndex(lo), BucketIndex(hi), first, last)
			}
			checked++
		}
	}
	if checked < 500 {
		t.Errorf("only %d phase samples checked", checked)
	}
}

func TestQuantile(t *testing.T) {
	var one, spread, over, coarse [NumBuckets]uint64
	one[BucketIndex(0.003)] = 10 // [3, 3.5) ms
	spread[0], spread[39] = 50, 50
	over[64] = 1
	coarse[LegacyBucketIndex(0)], coarse[LegacyBucketIndex(1)] = 50, 50
	tests := []struct {
		name    string
		counts  *[NumBuckets]uint64
		coarse  bool
		q, want float64
	}{
		{"middle of one bucket", &one, false, 0.5, 0.00325},
		{"top of one bucket", &one, false, 1, 0.0035},
		{"two buckets, low half", &spread, false, 0.25, 0.000625},
		{"two buckets, high half", &spread, false, 0.75, 0.96}, // bucket 39: [896, 1024) ms
		{"overflow gives its lower bound", &over, false, 0.5, 65.536},
		{"coarse: merged bucket (0, 5 ms]", &coarse, true, 0.25, 0.0025},
		{"coarse: merged bucket (5, 10 ms]", &coarse, true, 0.75, 0.0075},
	}
	for _, tt := range tests {
		if got := quantile(tt.counts, tt.coarse, tt.q); math.Abs(got-tt.want) > 1e-9 {
			t.Errorf("%s: %v, want %v", tt.name, got, tt.want)
		}
	}
	var empty [NumBuckets]uint64
	if !math.IsNaN(quantile(&empty, false, 0.5)) {
		t.Error("empty histogram has a quantile")
	}
	h := Histogram{Counts: one}
	h.observeExtremes(0.0031, 0.0032)
	if got := h.Quantile(0.99); got != 0.0032 {
		t.Errorf("quantile above the exact maximum: %v", got)
	}
}

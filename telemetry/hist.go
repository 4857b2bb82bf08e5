package telemetry

import "math"

// NumBuckets is the number of histogram buckets per phase on the wire.
// mod_wsgi 6 uses an HDR-style layout: 16 octaves from 1 ms to 65.536 s,
// each split linearly into 4, plus one overflow bucket. Bucket i < 64
// covers [2^(i/4)·(1+(i%4)/4), 2^(i/4)·(1+(i%4+1)/4)) milliseconds, except
// that bucket 0 also takes everything under 1 ms; bucket 64 is 65.536 s and
// over.
const NumBuckets = 65

// bucketUpper[i] is bucket i's upper bound in seconds (+Inf for the last).
var bucketUpper [NumBuckets]float64

// Exposition cut points: indexes of buckets whose upper bounds become the
// Prometheus "le" bounds. Merging neighbouring buckets is exact, so these
// cumulative counts are exact too. fineCuts: 1.25 ms × 2^k (k = 0..15) and
// 65.536 s. legacyCuts: 5 ms × 2^k (k = 0..13), the bounds mod_wsgi 4.x
// measures at, which are also bucket bounds of the 65-bucket layout.
var fineCuts, legacyCuts []int

// everyCut uses every bucket: the resolution quantile estimates use.
var everyCut []int

func init() {
	for i := 0; i < NumBuckets-1; i++ {
		bucketUpper[i] = math.Ldexp(1+float64(i%4+1)/4, i/4) / 1000
	}
	bucketUpper[NumBuckets-1] = math.Inf(1)
	for k := 0; k < 16; k++ {
		fineCuts = append(fineCuts, 4*k)
	}
	for i := 0; i < NumBuckets-1; i++ {
		everyCut = append(everyCut, i)
	}
	fineCuts = append(fineCuts, 63)
	for k := 0; k < 14; k++ {
		legacyCuts = append(legacyCuts, 4*k+8)
	}
}

// BucketUpperBound returns the upper bound of bucket i in seconds.
func BucketUpperBound(i int) float64 { return bucketUpper[i] }

// BucketIndex returns the bucket mod_wsgi 6 records a duration (seconds)
// in.
func BucketIndex(seconds float64) int {
	ms := seconds * 1000
	switch {
	case !(ms >= 1): // also NaN
		return 0
	case ms >= 65536:
		return NumBuckets - 1
	}
	frac, exp := math.Frexp(ms)
	sub := int((2*frac - 1) * 4)
	if sub > 3 {
		sub = 3
	}
	return (exp-1)*4 + sub
}

// LegacyBucketIndex maps mod_wsgi 4.x's bucket k (k < 14: duration <=
// 5 ms × 2^k; k >= 14: over 40.96 s) to the 65-bucket layout: the bucket
// ending at the same bound, or the overflow bucket.
func LegacyBucketIndex(k int) int {
	if k < 14 {
		return 4*k + 8
	}
	return NumBuckets - 1
}

// Histogram is a cumulative distribution in the 65-bucket layout.
type Histogram struct {
	Counts [NumBuckets]uint64
	Count  uint64
	Sum    float64 // seconds
	// Coarse is set when some counts came from mod_wsgi 4.x's coarser
	// buckets: then only legacyCuts are exact bounds.
	Coarse bool
	// Min and Max are exact extremes (seconds) when HaveExtremes: mod_wsgi
	// 6 reports them per interval.
	Min, Max     float64
	HaveExtremes bool
	noMean       bool // some counts came without their mean: Sum is short
}

// observeExtremes folds an interval's exact minimum and maximum in.
func (h *Histogram) observeExtremes(min, max float64) {
	if !h.HaveExtremes || min < h.Min {
		h.Min = min
	}
	if !h.HaveExtremes || max > h.Max {
		h.Max = max
	}
	h.HaveExtremes = true
}

// Quantile estimates the q-quantile in seconds (NaN when empty), kept
// within the exact extremes when known and possible for the mean (see
// bounded).
func (h *Histogram) Quantile(q float64) float64 {
	sum := h.Sum
	if h.noMean {
		sum = -1
	}
	return bounded(quantile(&h.Counts, h.Coarse, q), q, h.Count, sum, h.Min, h.Max, h.HaveExtremes)
}

// cuts returns the exposition bounds valid for h.
func (h *Histogram) cuts() []int {
	if h.Coarse {
		return legacyCuts
	}
	return fineCuts
}

// quantile estimates the q-quantile (0 < q < 1) of counts, interpolating
// linearly within a bucket: each of the 65 buckets, or for coarse counts
// the merged buckets between legacyCuts. The overflow bucket yields its
// lower bound. NaN when counts is empty.
func quantile(counts *[NumBuckets]uint64, coarse bool, q float64) float64 {
	var total uint64
	for _, c := range counts {
		total += c
	}
	if total == 0 {
		return math.NaN()
	}
	cuts := everyCut
	if coarse {
		cuts = legacyCuts
	}
	rank := q * float64(total)
	var cum uint64
	lower, i := 0.0, 0
	for j := 0; j <= len(cuts); j++ {
		cut := NumBuckets - 1
		if j < len(cuts) {
			cut = cuts[j]
		}
		var n uint64
		for ; i <= cut; i++ {
			n += counts[i]
		}
		upper := bucketUpper[cut]
		if n > 0 && float64(cum+n) >= rank {
			if math.IsInf(upper, 1) {
				return lower
			}
			return lower + (upper-lower)*(rank-float64(cum))/float64(n)
		}
		cum += n
		lower = upper
	}
	return lower
}

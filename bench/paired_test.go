package main

import (
	"math"
	"testing"
)

// same tells whether two figures agree to 1e-9, NaN matching NaN.
func same(a, b float64) bool {
	if math.IsNaN(a) || math.IsNaN(b) {
		return math.IsNaN(a) && math.IsNaN(b)
	}
	return math.Abs(a-b) < 1e-9
}

func TestPairedStatistics(t *testing.T) {
	nan := math.NaN()
	for _, c := range []struct {
		name        string
		v, w        []float64
		mean        float64 // weightedMean(v, w)
		med, lo, hi float64 // medianOrNaN(v), valueRange(v)
	}{
		{"empty", nil, nil, nan, nan, nan, nan},
		{"one", []float64{3}, nil, 3, 3, 3, 3},
		{"odd count, unsorted", []float64{5, 1, 3}, nil, 3, 3, 1, 5},
		{"even count: mean of the middle two", []float64{4, 1, 3, 2}, nil, 2.5, 2.5, 1, 4},
		{"weighted", []float64{100, 200}, []float64{3, 1}, 125, 150, 100, 200},
		{"zero weight left out", []float64{300, 200, 100}, []float64{0, 1, 1}, 150, 200, 100, 300},
		{"no weight at all", []float64{1, 2}, []float64{0, 0}, nan, 1.5, 1, 2},
	} {
		if got := weightedMean(c.v, c.w); !same(got, c.mean) {
			t.Errorf("%s: weightedMean = %v, want %v", c.name, got, c.mean)
		}
		if got := medianOrNaN(c.v); !same(got, c.med) {
			t.Errorf("%s: medianOrNaN = %v, want %v", c.name, got, c.med)
		}
		if lo, hi := valueRange(c.v); !same(lo, c.lo) || !same(hi, c.hi) {
			t.Errorf("%s: valueRange = %v–%v, want %v–%v", c.name, lo, hi, c.lo, c.hi)
		}
	}
}

func TestSummarize(t *testing.T) {
	for _, c := range []struct {
		name  string
		pairs []pairSample
		want  pairSummary
	}{
		{
			name: "CPU weighted by requests, ratios' median and range",
			pairs: []pairSample{
				// A 1000 requests for 400 ticks (4,000 µs/req), B 500 for 250 (5,000): 0.8
				{load: 7.5, rps: [2]float64{100, 50}, requests: [2]int{1000, 500}, ticks: [2]int{400, 250}},
				// A 3000 for 900 (3,000), B 1000 for 300 (3,000): 1.0
				{first: 1, load: 9, rps: [2]float64{300, 100}, requests: [2]int{3000, 1000}, ticks: [2]int{900, 300}},
				// A 2000 for 1200 (6,000), B 1000 for 500 (5,000): 1.2
				{load: 8, rps: [2]float64{200, 150}, requests: [2]int{2000, 1000}, ticks: [2]int{1200, 500}},
			},
			want: pairSummary{
				rps: [2]float64{200, 100}, rpsRatio: 2,
				// A 2500 ticks over 6000 requests, B 1050 over 2500
				cpu: [2]float64{25e6 / 6000, 10.5e6 / 2500}, cpuRatio: (25e6 / 6000) / (10.5e6 / 2500),
				cpuMedian: 1, cpuLo: 0.8, cpuHi: 1.2,
				loadLo: 7.5, loadHi: 9,
			},
		},
		{
			name: "a pair where B served nothing counts in no ratio",
			pairs: []pairSample{
				{load: 2, rps: [2]float64{100, 100}, requests: [2]int{1000, 1000}, ticks: [2]int{100, 50}},
				{load: 3, rps: [2]float64{100, 0}, requests: [2]int{1000, 0}, ticks: [2]int{300, 7}},
			},
			want: pairSummary{
				rps: [2]float64{100, 50}, rpsRatio: 2,
				cpu: [2]float64{2000, 500}, cpuRatio: 4,
				cpuMedian: 2, cpuLo: 2, cpuHi: 2,
				loadLo: 2, loadHi: 3,
			},
		},
	} {
		got := summarize(c.pairs)
		for _, f := range []struct {
			what      string
			got, want float64
		}{
			{"rps A", got.rps[0], c.want.rps[0]}, {"rps B", got.rps[1], c.want.rps[1]}, {"rpsRatio", got.rpsRatio, c.want.rpsRatio},
			{"cpu A", got.cpu[0], c.want.cpu[0]}, {"cpu B", got.cpu[1], c.want.cpu[1]}, {"cpuRatio", got.cpuRatio, c.want.cpuRatio},
			{"cpuMedian", got.cpuMedian, c.want.cpuMedian}, {"cpuLo", got.cpuLo, c.want.cpuLo}, {"cpuHi", got.cpuHi, c.want.cpuHi},
			{"loadLo", got.loadLo, c.want.loadLo}, {"loadHi", got.loadHi, c.want.loadHi},
		} {
			if !same(f.got, f.want) {
				t.Errorf("%s: %s = %v, want %v", c.name, f.what, f.got, f.want)
			}
		}
	}
}

package telemetry

import (
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// expositionStores are the stores whose exposition the format tests check.
func expositionStores(t *testing.T) map[string]*Store {
	t.Helper()
	c := newClock(0)
	captured := NewStore(Options{Now: c.Now, Linger: time.Hour})
	replay(t, captured, c)

	// Live processes, odd group names, a coarse histogram, a drop.
	odd := NewStore(Options{Now: fixedClock(1.7e9)})
	b := make([]int32, NumBuckets)
	b[LegacyBucketIndex(2)] = 3
	for i, g := range []string{`quote"back\slash`, "new\nline", "ünïcode", EmbeddedGroup} {
		odd.Ingest(started(uint32(10+i), 1, g))
		odd.Ingest(mk(KindRequest, uint32(10+i), 2, 1.7e9, Str(FieldProcessGroup, g), U64(FieldRequestCount, 3),
			U64(FieldThreadsMaximum, 5), F64(FieldCapacityUtilization, 0.2), U64(FieldMemoryRSS, 1e7),
			I32s(PhaseBucketsField+uint16(PhaseServer), b), U64(FieldExpressBucketResolution, 1)))
	}
	odd.Ingest(stopped(KindProcessStopped, 10, 3, `quote"back\slash`, "memory_limit"))
	odd.Ingest([]byte("garbage"))
	return map[string]*Store{"empty": NewStore(Options{}), "captured": captured, "odd": odd, "gcgil": gcgilStore(t)}
}

// TestPromtool checks the exposition with Prometheus's own checker,
// promtool (Debian package prometheus). CI must install it: the test
// fails without it, unless -short.
func TestPromtool(t *testing.T) {
	promtool, err := exec.LookPath("promtool")
	if err != nil {
		if testing.Short() {
			t.Skip("promtool not installed (skipped with -short)")
		}
		t.Fatal("promtool not found: install it (Debian package prometheus) to check the exposition format")
	}
	for name, s := range expositionStores(t) {
		t.Run(name, func(t *testing.T) {
			file := filepath.Join(t.TempDir(), "metrics.txt")
			if err := os.WriteFile(file, []byte(metrics(s)), 0o644); err != nil {
				t.Fatal(err)
			}
			in, _ := os.Open(file)
			defer in.Close()
			cmd := exec.Command(promtool, "check", "metrics")
			cmd.Stdin = in
			out, err := cmd.CombinedOutput()
			if err != nil || len(strings.TrimSpace(string(out))) > 0 {
				t.Errorf("promtool check metrics: %v\n%s", err, out)
			}
		})
	}
}

// series is one parsed sample line.
type series struct {
	name   string
	labels map[string]string
	value  float64
}

// parseLine parses a sample line of the text format, unescaping label
// values; it fails on anything malformed.
func parseLine(l string) (series, error) {
	s := series{labels: map[string]string{}}
	i := strings.IndexAny(l, "{ ")
	if i <= 0 {
		return s, fmt.Errorf("no metric name")
	}
	s.name = l[:i]
	rest := l[i:]
	if rest[0] == '{' {
		rest = rest[1:]
		for rest[0] != '}' {
			eq := strings.Index(rest, `="`)
			if eq <= 0 {
				return s, fmt.Errorf("bad label in %q", rest)
			}
			key := rest[:eq]
			rest = rest[eq+2:]
			var v strings.Builder
			for {
				if rest == "" {
					return s, fmt.Errorf("unterminated label value")
				}
				c := rest[0]
				rest = rest[1:]
				if c == '"' {
					break
				}
				if c == '\\' {
					switch rest[0] {
					case '\\', '"':
						v.WriteByte(rest[0])
					case 'n':
						v.WriteByte('\n')
					default:
						return s, fmt.Errorf("bad escape \\%c", rest[0])
					}
					rest = rest[1:]
					continue
				}
				if c == '\n' {
					return s, fmt.Errorf("raw newline in label value")
				}
				v.WriteByte(c)
			}
			if _, dup := s.labels[key]; dup {
				return s, fmt.Errorf("label %s twice", key)
			}
			s.labels[key] = v.String()
			if rest[0] == ',' {
				rest = rest[1:]
			}
		}
		rest = rest[1:]
	}
	if !strings.HasPrefix(rest, " ") {
		return s, fmt.Errorf("no value")
	}
	v, err := strconv.ParseFloat(strings.TrimSpace(rest), 64)
	s.value = v
	return s, err
}

// TestExpositionFormat checks what promtool checks and more: families
// are contiguous with HELP and TYPE first, every name has the prefix,
// no series repeats, counters are finite and not negative, histogram
// buckets rise to +Inf which equals _count.
func TestExpositionFormat(t *testing.T) {
	for name, s := range expositionStores(t) {
		t.Run(name, func(t *testing.T) {
			text := metrics(s)
			if !strings.HasSuffix(text, "\n") {
				t.Fatal("exposition does not end with a newline")
			}
			types := map[string]string{}
			seen := map[string]bool{}
			var family string
			var lastLE float64
			var lastCum float64
			for n, l := range strings.Split(strings.TrimSuffix(text, "\n"), "\n") {
				switch {
				case strings.HasPrefix(l, "# HELP "):
					f := strings.SplitN(l, " ", 4)
					if len(f) < 4 || f[3] == "" {
						t.Errorf("line %d: HELP without text", n)
					}
					family = f[2]
					if types[family] != "" {
						t.Errorf("line %d: family %s appears twice", n, family)
					}
					if !strings.HasPrefix(family, "mod_wsgi_") {
						t.Errorf("line %d: %s lacks the mod_wsgi_ prefix", n, family)
					}
				case strings.HasPrefix(l, "# TYPE "):
					f := strings.Fields(l)
					if len(f) != 4 || f[2] != family {
						t.Errorf("line %d: TYPE %q does not follow its HELP", n, l)
						continue
					}
					types[family] = f[3]
				default:
					sr, err := parseLine(l)
					if err != nil {
						t.Fatalf("line %d %q: %v", n, l, err)
					}
					typ := types[family]
					base := sr.name
					if typ == "histogram" {
						base = strings.TrimSuffix(strings.TrimSuffix(strings.TrimSuffix(base, "_bucket"), "_sum"), "_count")
					}
					if base != family {
						t.Errorf("line %d: %s outside its family %s", n, sr.name, family)
					}
					key := fmt.Sprint(sr.name, sr.labels)
					if seen[key] {
						t.Errorf("line %d: series %s repeated", n, key)
					}
					seen[key] = true
					if typ == "counter" && (sr.value < 0 || math.IsNaN(sr.value) || math.IsInf(sr.value, 0)) {
						t.Errorf("line %d: counter value %v", n, sr.value)
					}
					if typ == "counter" && !strings.HasSuffix(sr.name, "_total") {
						t.Errorf("line %d: counter %s lacks _total", n, sr.name)
					}
					if strings.HasSuffix(sr.name, "_bucket") {
						le, err := strconv.ParseFloat(sr.labels["le"], 64)
						if err != nil {
							t.Fatalf("line %d: le %q", n, sr.labels["le"])
						}
						if lastLE != 0 && le > lastLE && sr.value < lastCum {
							t.Errorf("line %d: bucket count falls from %v to %v", n, lastCum, sr.value)
						}
						if le <= lastLE && !math.IsInf(lastLE, 1) {
							t.Errorf("line %d: le %v does not rise from %v", n, le, lastLE)
						}
						lastLE, lastCum = le, sr.value
					}
					if strings.HasSuffix(sr.name, "_count") && typ == "histogram" {
						if !math.IsInf(lastLE, 1) || sr.value != lastCum {
							t.Errorf("line %d: _count %v, last bucket le=%v holds %v", n, sr.value, lastLE, lastCum)
						}
						lastLE, lastCum = 0, 0
					}
				}
			}
			for _, want := range []string{"mod_wsgi_requests_total", "mod_wsgi_request_duration_seconds",
				"mod_wsgi_process_workers", "mod_wsgi_process_workers_busy", "mod_wsgi_process_cpu_seconds_total",
				"mod_wsgi_process_resident_memory_bytes", "mod_wsgi_process_restarts_total",
				"mod_wsgi_telemetry_datagrams_dropped_total"} {
				if types[want] == "" {
					t.Errorf("no family %s", want)
				}
			}
		})
	}
}

func TestExpositionValues(t *testing.T) {
	stores := expositionStores(t)
	tests := []struct {
		store, line string
	}{
		{"empty", `mod_wsgi_telemetry_datagrams_dropped_total{reason="bad_magic"} 0`},
		{"captured", `mod_wsgi_requests_total{process_group="app",class="2xx"} 601`},
		{"captured", `mod_wsgi_requests_total{process_group="(embedded)",class="2xx"} 51`},
		{"captured", `mod_wsgi_request_duration_seconds_count{process_group="app",phase="request"} 616`},
		{"captured", `mod_wsgi_request_duration_seconds_bucket{process_group="app",phase="request",le="+Inf"} 616`},
		{"captured", `mod_wsgi_process_restarts_total{process_group="app"} 4`},
		{"captured", `mod_wsgi_process_stops_total{process_group="app",reason="maximum_requests"} 2`},
		{"captured", `mod_wsgi_telemetry_datagrams_total{kind="request"} 299`},
		{"odd", `mod_wsgi_requests_total{process_group="quote\"back\\slash",class="unknown"} 3`},
		{"odd", `mod_wsgi_requests_total{process_group="new?line",class="unknown"} 3`},
		{"odd", `mod_wsgi_process_workers{process_group="ünïcode",pid="12"} 5`},
		{"odd", `mod_wsgi_process_workers_busy{process_group="(embedded)",pid="13"} 1`},
		{"odd", `mod_wsgi_process_resident_memory_bytes{process_group="ünïcode",pid="12"} 1e+07`},
		{"odd", `mod_wsgi_processes{process_group="quote\"back\\slash"} 0`},
		{"odd", `mod_wsgi_process_stops_total{process_group="quote\"back\\slash",reason="memory_limit"} 1`},
		{"odd", `mod_wsgi_request_duration_seconds_bucket{process_group="ünïcode",phase="server",le="0.02"} 3`},
		{"odd", `mod_wsgi_telemetry_datagrams_dropped_total{reason="short"} 1`},
	}
	for _, tt := range tests {
		if m := metrics(stores[tt.store]); !strings.Contains(m, "\n"+tt.line+"\n") {
			t.Errorf("%s: no line %s", tt.store, tt.line)
		}
	}
	// A stopped process has no per-process gauges.
	if m := metrics(stores["odd"]); strings.Contains(m, `pid="10"`) {
		t.Error("stopped process 10 still has gauges")
	}
}

func TestEscaping(t *testing.T) {
	for _, tt := range []struct{ in, label, help string }{
		{`a"b`, `a\"b`, `a"b`},
		{`a\b`, `a\\b`, `a\\b`},
		{"a\nb", `a\nb`, `a\nb`},
		{`\"` + "\n", `\\\"\n`, `\\"\n`},
	} {
		if got := escapeLabel(tt.in); got != tt.label {
			t.Errorf("escapeLabel(%q) = %q, want %q", tt.in, got, tt.label)
		}
		if got := escapeHelp(tt.in); got != tt.help {
			t.Errorf("escapeHelp(%q) = %q, want %q", tt.in, got, tt.help)
		}
	}
	for v, want := range map[float64]string{math.Inf(1): "+Inf", math.Inf(-1): "-Inf", 0.005: "0.005", 65.536: "65.536", 3: "3", 1e21: "1e+21"} {
		if got := formatFloat(v); got != want {
			t.Errorf("formatFloat(%v) = %q, want %q", v, got, want)
		}
	}
	if formatFloat(math.NaN()) != "NaN" {
		t.Error("NaN")
	}
}

package telemetry

import (
	"strings"
	"testing"
)

func TestModuleSource(t *testing.T) {
	tests := []struct {
		version string
		want    Source
		err     string
	}{
		{"6.0.5", SourceNative, ""},
		{"7.1", SourceNative, ""},
		{"5.0.2", SourceReporter, ""},
		{"5.0.0rc1", SourceReporter, ""},
		{"4.9.4", SourceReporter, ""},
		{"4.8.0", SourceReporter, ""},
		{"4.7.1", 0, "mod_wsgi 4.7.1 cannot report telemetry"},
		{"3.5", 0, "needs mod_wsgi 4.8 or later"},
		{"", 0, "cannot tell"},
		{"six", 0, "cannot tell"},
		{"-6.0", 0, "cannot tell"},
	}
	for _, tt := range tests {
		got, err := ModuleSource(tt.version)
		if got != tt.want || (err == nil) != (tt.err == "") || err != nil && !strings.Contains(err.Error(), tt.err) {
			t.Errorf("ModuleSource(%q) = %v, %v; want %v, %q", tt.version, got, err, tt.want, tt.err)
		}
	}
	if SourceNative.String() != "native" || SourceReporter.String() != "reporter" || Source(0).String() != "none" {
		t.Error("Source.String")
	}
}

package telemetry

import (
	"math"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Checks and clean-ups of values from the wire, which any process able
// to write to the socket controls.

func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

func finiteNonNeg(v float64) bool { return v >= 0 && !math.IsInf(v, 1) }

// stampTime converts an epoch-seconds stamp, falling back to now when it
// is absurd (more than a day away).
func stampTime(stamp float64, now time.Time) time.Time {
	if !finite(stamp) || math.Abs(stamp-float64(now.UnixNano())/1e9) > 86400 {
		return now
	}
	sec, frac := math.Modf(stamp)
	return time.Unix(int64(sec), int64(frac*1e9))
}

// cleanText makes wire text safe to show anywhere: valid UTF-8, no control
// characters (a terminal would obey them) or bidirectional overrides, at
// most max bytes.
func cleanText(s string, max int) string {
	if len(s) > max {
		s = s[:max]
		for len(s) > 0 && !utf8.ValidString(s) {
			s = s[:len(s)-1]
		}
	}
	clean := true
	for _, r := range s {
		if unsafeRune(r) {
			clean = false
			break
		}
	}
	if clean {
		return s
	}
	return strings.Map(func(r rune) rune {
		if unsafeRune(r) {
			return '?'
		}
		return r
	}, strings.ToValidUTF8(s, "?"))
}

func unsafeRune(r rune) bool {
	return r == utf8.RuneError || unicode.IsControl(r) || unicode.Is(unicode.Bidi_Control, r)
}

// cleanReason keeps a shutdown reason usable as a label value: lower-case
// letters, digits and underscores, at most 40 bytes.
func cleanReason(s string) string {
	if s == "" {
		return "unknown"
	}
	if len(s) > 40 {
		s = s[:40]
	}
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9', r == '_':
			return r
		case r >= 'A' && r <= 'Z':
			return r + 'a' - 'A'
		}
		return '_'
	}, s)
}

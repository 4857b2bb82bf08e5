// Package fault holds the errors every stage of mod_wsgi-express returns,
// which decide the command's exit status: a UsageError (exit 2) is a
// problem with what the user asked for, a RuntimeError (exit 1) a failure
// to start, an ExitError Apache's own status.
package fault

import (
	"errors"
	"fmt"
)

// UsageError is a problem with what the user asked for: a bad option value,
// a missing file, an impossible combination. Commands exit with status 2.
type UsageError struct {
	Option string // the flag at fault, without dashes; may be empty
	Msg    string // what is wrong and how to fix it
}

func (e *UsageError) Error() string {
	if e.Option == "" {
		return e.Msg
	}
	return fmt.Sprintf("--%s: %s", e.Option, e.Msg)
}

// Usagef builds a UsageError for option.
func Usagef(option, format string, args ...any) error {
	return &UsageError{Option: option, Msg: fmt.Sprintf(format, args...)}
}

// IsUsage reports whether err is (or wraps) a UsageError.
func IsUsage(err error) bool {
	var u *UsageError
	return errors.As(err, &u)
}

// RuntimeError is a failure to start; commands exit with status 1.
type RuntimeError struct{ Msg string }

func (e *RuntimeError) Error() string { return e.Msg }

// ExitError carries the exit status Apache ended with.
type ExitError struct{ Code int }

func (e *ExitError) Error() string { return fmt.Sprintf("apache exited with status %d", e.Code) }

// Quote quotes a value for an error message, trimming long ones.
func Quote(s string) string {
	if len(s) > 60 {
		s = s[:57] + "..."
	}
	return fmt.Sprintf("%q", s)
}

package express

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

// usagef builds a UsageError for option.
func usagef(option, format string, args ...any) error {
	return &UsageError{Option: option, Msg: fmt.Sprintf(format, args...)}
}

// IsUsage reports whether err is (or wraps) a UsageError.
func IsUsage(err error) bool {
	var u *UsageError
	return errors.As(err, &u)
}

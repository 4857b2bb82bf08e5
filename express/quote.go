package express

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// dollarDefine is the name of an Apache Define holding a lone "$". Apache
// substitutes ${NAME} everywhere in its configuration, once, before any
// quoting is looked at; writing "${" as "${dollar}{" survives that pass as a
// literal "${". The render step adds the Define when a value needed it.
const dollarDefine = "MOD_WSGI_EXPRESS_DOLLAR"

// ApacheQuote returns s as one double-quoted Apache directive argument.
// Apache's tokenizer unescapes \\ and \" inside double quotes, and resolves
// ${VAR} before tokenizing, so those are the only sequences to neutralize.
// Control characters must have been rejected by validation already.
func ApacheQuote(s string) string {
	var b strings.Builder
	b.Grow(len(s) + 2)
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '\\' || c == '"':
			b.WriteByte('\\')
			b.WriteByte(c)
		case c == '$' && i+1 < len(s) && s[i+1] == '{':
			b.WriteString("${" + dollarDefine + "}")
		default:
			b.WriteByte(c)
		}
	}
	b.WriteByte('"')
	return b.String()
}

// ApacheOption renders a mod_wsgi style name=value option with a quoted value.
func ApacheOption(name, value string) string {
	return name + "=" + ApacheQuote(value)
}

// ShellQuote returns s as one POSIX shell word.
func ShellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// ShellWord is s as one POSIX shell word for a person to paste: as it is
// when it has only characters no shell treats specially, else quoted.
func ShellWord(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_@%+=:,./-") == "" {
		return s
	}
	return ShellQuote(s)
}

// checkText rejects what no quoting can make safe in a configuration line:
// control characters (newline, carriage return, NUL, escape, ...) and
// invalid UTF-8.
func checkText(option, value string) error {
	if !utf8.ValidString(value) {
		return usagef(option, "value is not valid UTF-8")
	}
	for _, r := range value {
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) {
			return usagef(option, "value %s contains a control character (%U); remove it", shortQuote(value), r)
		}
	}
	return nil
}

// shortQuote quotes a value for an error message, trimming long ones.
func shortQuote(s string) string {
	if len(s) > 60 {
		s = s[:57] + "..."
	}
	return fmt.Sprintf("%q", s)
}

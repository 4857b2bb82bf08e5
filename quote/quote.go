// Package quote writes values for the languages of the generated files:
// one Apache directive argument, one POSIX shell word. Validation has
// already refused what no quoting can make safe (control characters).
package quote

import "strings"

// DollarDefine is the name of an Apache Define holding a lone "$". Apache
// substitutes ${NAME} everywhere in its configuration, once, before any
// quoting is looked at; writing "${" as "${dollar}{" survives that pass as a
// literal "${". templates.Render adds the Define when a value needed it.
const DollarDefine = "MOD_WSGI_EXPRESS_DOLLAR"

// Apache returns s as one double-quoted Apache directive argument.
// Apache's tokenizer unescapes \\ and \" inside double quotes, and resolves
// ${VAR} before tokenizing, so those are the only sequences to neutralize.
// Control characters must have been rejected by validation already.
func Apache(s string) string {
	var b strings.Builder
	b.Grow(len(s) + 2)
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '\\' || c == '"':
			b.WriteByte('\\')
			b.WriteByte(c)
		case c == '$' && i+1 < len(s) && s[i+1] == '{':
			b.WriteString("${" + DollarDefine + "}")
		default:
			b.WriteByte(c)
		}
	}
	b.WriteByte('"')
	return b.String()
}

// ApacheOption renders a mod_wsgi style name=value option with a quoted value.
func ApacheOption(name, value string) string {
	return name + "=" + Apache(value)
}

// Shell returns s as one POSIX shell word.
func Shell(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// ShellWord is s as one POSIX shell word for a person to paste: as it is
// when it has only characters no shell treats specially, else quoted.
func ShellWord(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_@%+=:,./-") == "" {
		return s
	}
	return Shell(s)
}

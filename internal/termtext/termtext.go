package termtext

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"
)

// unsafe reports whether r must not reach a terminal as it is: C0 and C1
// controls and DEL (escape sequences, bells, carriage returns), the
// line and paragraph separators, and format characters (category Cf:
// the bidi embeddings, overrides and isolates U+202A–U+202E and
// U+2066–U+2069, the marks U+200E/F, zero-width spaces and joiners, tag
// characters), which reorder text or hide it.
func unsafe(r rune) bool {
	return unicode.IsControl(r) || unicode.In(r, unicode.Cf, unicode.Zl, unicode.Zp)
}

// Line is s as one line of plain text: tabs, line breaks and other
// spaces of control become a space, every other unsafe character is
// dropped, and invalid UTF-8 becomes U+FFFD.
func Line(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r == '\t', r == '\n', r == '\v', r == '\f', r == '\r', r == 0x85, r == 0x2028, r == 0x2029:
			return ' '
		case unsafe(r):
			return -1
		}
		return r
	}, s)
}

// JSON is the JSON text b with every unsafe character and every invalid
// UTF-8 byte written as a \u escape: the same values, nothing raw for a
// terminal to act on. encoding/json escapes C0 controls itself but
// passes DEL, C1 controls and bidi characters through, and a
// json.RawMessage passes whatever it holds. Such characters can only
// stand inside strings in valid JSON, where the escape means the same;
// tabs and line breaks, which only stand between tokens, stay.
func JSON(b []byte) []byte {
	var out []byte
	start := 0
	for i := 0; i < len(b); {
		r, n := utf8.DecodeRune(b[i:])
		if !(r == utf8.RuneError && n == 1) && (!unsafe(r) || r == '\t' || r == '\n' || r == '\r') {
			i += n
			continue
		}
		if out == nil {
			out = make([]byte, 0, len(b)+12)
		}
		out = append(out, b[start:i]...)
		if r1, r2 := utf16.EncodeRune(r); r1 != unicode.ReplacementChar {
			out = appendU(appendU(out, r1), r2)
		} else {
			out = appendU(out, r) // within U+FFFF, or U+FFFD for an invalid byte
		}
		i += n
		start = i
	}
	if out == nil {
		return b
	}
	return append(out, b[start:]...)
}

// appendU appends the JSON escape of r, which is at most U+FFFF.
func appendU(b []byte, r rune) []byte {
	s := strconv.FormatInt(int64(r), 16)
	return append(append(b, `\u`+strings.Repeat("0", 4-len(s))...), s...)
}

package report

import "slices"

// appendIndent appends src, compact JSON as encoding/json writes it (no
// whitespace outside strings), indented as json.Indent indents it with
// prefix and indent: the same bytes in a fraction of the time, since it
// only tracks strings and nesting rather than validating the syntax.
func appendIndent(dst, src []byte, prefix, indent string) []byte {
	// Most lines are short: room for a few times the input.
	dst = slices.Grow(dst, 3*len(src))
	depth := 0
	newline := func() {
		dst = append(dst, '\n')
		dst = append(dst, prefix...)
		for range depth {
			dst = append(dst, indent...)
		}
	}
	for i := 0; i < len(src); {
		switch c := src[i]; c {
		case '"':
			// The string, escapes and all, up to its closing quote.
			j := i + 1
			for j < len(src) && src[j] != '"' {
				if src[j] == '\\' {
					j++
				}
				j++
			}
			j = min(j+1, len(src))
			dst = append(dst, src[i:j]...)
			i = j
			continue
		case '{', '[':
			dst = append(dst, c)
			if i+1 < len(src) && (src[i+1] == '}' || src[i+1] == ']') {
				// Empty: written as is.
				dst = append(dst, src[i+1])
				i += 2
				continue
			}
			depth++
			newline()
		case ',':
			dst = append(dst, c)
			newline()
		case ':':
			dst = append(dst, ':', ' ')
		case '}', ']':
			depth--
			newline()
			dst = append(dst, c)
		default:
			// A number or literal, up to the next structural byte.
			j := i + 1
			for j < len(src) && !structural(src[j]) {
				j++
			}
			dst = append(dst, src[i:j]...)
			i = j
			continue
		}
		i++
	}
	return dst
}

func structural(c byte) bool {
	switch c {
	case '"', '{', '[', ',', ':', '}', ']':
		return true
	}
	return false
}

package catalog

import (
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// fastDecode decodes one YAML document of a catalog written in the usual block style
// straight into a fileComponent: no token stream and node tree from the YAML library, no
// round trip through JSON. It reads a strict subset of YAML — block mappings and
// sequences, plain scalars that can only be strings, single-line quoted scalars, and
// literal or folded block scalars — and says ok=false as soon as it meets anything else,
// wherever the general path (YAML → JSON → shape check → struct) might read it
// differently or report a problem. The caller then takes the general path, so what a
// catalog means and every message stay those of the general path. empty is true for a
// document with nothing but comments and blank lines. FuzzFastDecode holds the two paths
// together.
func fastDecode(p *fastParser, doc string) (fc *fileComponent, empty, ok bool) {
	if !p.reset(doc) {
		return nil, false, false
	}
	j := p.peek()
	if j < 0 {
		return nil, true, true
	}
	fc = &fileComponent{}
	p.mapping(p.lines[j].indent, func(key string, ind int, rest string) bool { return p.componentField(fc, key, ind, rest) })
	if p.bad || p.peek() >= 0 {
		return nil, false, false
	}
	return fc, false, true
}

type fastLine struct {
	indent int    // leading spaces
	text   string // the rest of the line; "" when the line is blank
}

// A fastParser reads one document at a time; parseFile reuses one for all of a file's
// documents, so its buffers are allocated once.
type fastParser struct {
	lines []fastLine
	i     int  // next line to read
	nlEnd bool // the document ends with a line break
	bad   bool

	versions []Version // the versions of the component being read, copied out at its end
}

// reset makes p read doc, or reports false when doc holds bytes the fast path leaves to
// the general one.
func (p *fastParser) reset(doc string) bool {
	for i := 0; i < len(doc); i++ {
		switch b := doc[i]; {
		case b == '\n':
		case b < 0x20 || b == 0x7f: // tabs, carriage returns and control characters
			return false
		case b >= 0x80:
			if !printableUTF8(doc[i:]) {
				return false
			}
			i = len(doc)
		}
	}
	s := doc
	clear(p.lines)
	*p = fastParser{nlEnd: strings.HasSuffix(s, "\n"), lines: p.lines[:0], versions: p.versions[:0]}
	s = strings.TrimSuffix(s, "\n")
	for s != "" || len(p.lines) == 0 {
		line, rest, _ := strings.Cut(s, "\n")
		t := strings.TrimLeft(line, " ")
		p.lines = append(p.lines, fastLine{indent: len(line) - len(t), text: t})
		s = rest
		if s == "" {
			break
		}
	}
	return true
}

// printableUTF8 reports whether b is valid UTF-8 holding only characters YAML reads as
// printable and that are not line breaks (NEL, LS, PS) or a byte order mark.
func printableUTF8(b string) bool {
	for len(b) > 0 {
		r, n := utf8.DecodeRuneInString(b)
		switch {
		case r == utf8.RuneError && n <= 1:
			return false
		case r == '\n' || r >= 0x20 && r < 0x7f || r >= 0xa0 && r <= 0xd7ff && r != 0x2028 && r != 0x2029 ||
			r >= 0xe000 && r <= 0xfffd && r != 0xfeff || r >= 0x10000 && r <= 0x10ffff:
		default:
			return false
		}
		b = b[n:]
	}
	return true
}

func (p *fastParser) fail() { p.bad = true }

// peek returns the index of the next line at or after p.i that is neither blank nor a
// comment, or -1.
func (p *fastParser) peek() int {
	for j := p.i; j < len(p.lines); j++ {
		if t := p.lines[j].text; t != "" && t[0] != '#' {
			return j
		}
	}
	return -1
}

// mapping reads a block mapping whose keys are at indent, calling field with each key,
// the key's indent and the rest of its line after "key:". Duplicate keys fail.
func (p *fastParser) mapping(indent int, field func(key string, ind int, rest string) bool) {
	var seenBuf [16]string
	seen := seenBuf[:0]
	for !p.bad {
		j := p.peek()
		if j < 0 || p.lines[j].indent < indent {
			return
		}
		if p.lines[j].indent > indent {
			p.fail()
			return
		}
		key, rest, ok := splitKey(p.lines[j].text)
		if !ok {
			p.fail()
			return
		}
		if rest != "" && (rest[0] == '{' || rest[0] == '[') {
			lines, ok := expandFlowValue(indent, key, rest)
			if !ok {
				p.fail()
				return
			}
			p.lines = slices.Replace(p.lines, j, j+1, lines...)
			continue // read the line again, now "key:"
		}
		for _, k := range seen {
			if k == key {
				p.fail()
				return
			}
		}
		seen = append(seen, key)
		p.i = j + 1
		if !field(key, indent, rest) {
			p.fail()
		}
	}
}

// splitKey splits "key: rest" (or "key:" at the end of the line); the key must be a plain
// scalar that can only be a string.
func splitKey(t string) (key, rest string, ok bool) {
	i := 0
	for ; i < len(t); i++ {
		c := t[i]
		if c == ':' && (i+1 == len(t) || t[i+1] == ' ') {
			break
		}
		if !keyByte(c, i == 0) {
			return "", "", false
		}
	}
	if i == 0 || i == len(t) || specialWord(t[:i]) {
		return "", "", false
	}
	return t[:i], strings.TrimLeft(t[i+1:], " "), true
}

// keyByte reports whether c may stand in a plain key: a letter, or after the first byte
// also a digit, '-', '_', '.' or '/'.
func keyByte(c byte, first bool) bool {
	switch {
	case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z':
		return true
	case first:
		return false
	}
	return c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.' || c == '/'
}

// specialWord reports words YAML 1.1 reads as booleans or null (in any case).
func specialWord(s string) bool {
	if len(s) > 5 {
		return false
	}
	switch strings.ToLower(s) {
	case "y", "n", "yes", "no", "on", "off", "true", "false", "null":
		return true
	}
	return false
}

// nested returns the indent of the block node that follows a key with nothing after it
// on its line; the node must be indented more than the key (or, for a sequence, as much).
func (p *fastParser) nested(ind int, rest string, seq bool) (int, bool) {
	if rest != "" && rest[0] != '#' {
		return 0, false
	}
	j := p.peek()
	if j < 0 {
		return 0, false
	}
	l := p.lines[j]
	isSeq := l.text == "-" || strings.HasPrefix(l.text, "- ")
	if seq != isSeq || l.indent < ind || l.indent == ind && !seq {
		return 0, false
	}
	return l.indent, true
}

// seq reads a block sequence after a key at ind; item is called with the indent of each
// item's content, its first line rewritten as if the dash were a space.
func (p *fastParser) seq(ind int, rest string, item func(ind, parent int) bool) bool {
	d, ok := p.nested(ind, rest, true)
	if !ok {
		return false
	}
	for !p.bad {
		j := p.peek()
		if j < 0 || p.lines[j].indent < d {
			return true
		}
		l := p.lines[j]
		if l.indent > d {
			return false
		}
		if !strings.HasPrefix(l.text, "- ") {
			return d == ind // the parent mapping's next key after a sequence at its own indent
		}
		t := strings.TrimLeft(l.text[2:], " ")
		if t == "" || t[0] == '#' || t[0] == '-' && (len(t) == 1 || t[1] == ' ') {
			return false
		}
		if t[0] == '{' {
			if l.text[2] != '{' {
				return false
			}
			lines, ok := expandFlowItem(l.indent, l.text[2:])
			if !ok {
				return false
			}
			p.lines = slices.Replace(p.lines, j, j+1, lines...)
			l = p.lines[j]
			t = l.text[2:]
		}
		p.lines[j] = fastLine{indent: d + len(l.text) - len(t), text: t}
		p.i = j
		if !item(p.lines[j].indent, d) {
			return false
		}
	}
	return false
}

// mapItem reads a sequence item that is a mapping.
func (p *fastParser) mapItem(ind int, field func(key string, ind int, rest string) bool) bool {
	p.mapping(ind, field)
	return !p.bad
}

// strItem reads a sequence item that is a string.
func (p *fastParser) strItem(parent int, out *[]string) bool {
	t := p.lines[p.i].text // seq rewrote this line and left p.i on it
	if _, _, isKey := splitKey(t); isKey {
		return false
	}
	p.i++
	var s string
	if !p.scalar(parent, t, &s) {
		return false
	}
	*out = append(*out, s)
	return true
}

// str reads the string value of a key at ind.
func (p *fastParser) str(ind int, rest string, out *string) bool {
	return p.scalar(ind, rest, out)
}

// scalar reads a scalar that starts with rest; lines after it must not be indented more
// than parent (a more indented line would continue it or be an error).
func (p *fastParser) scalar(parent int, rest string, out *string) bool {
	if rest == "" {
		return false
	}
	var ok bool
	switch rest[0] {
	case '"':
		*out, ok = doubleQuoted(rest)
	case '\'':
		*out, ok = singleQuoted(rest)
	case '|', '>':
		return p.blockScalar(parent, rest, out)
	default:
		*out, ok = plainString(rest)
	}
	if !ok {
		return false
	}
	j := p.peek()
	return j < 0 || p.lines[j].indent <= parent
}

// yamlFloat is what YAML 1.1 (go.yaml.in/yaml/v2) reads as a float.
var yamlFloat = regexp.MustCompile(`^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$`)

// plainString reads a plain scalar that YAML can only read as a string.
func plainString(rest string) (string, bool) {
	s := rest
	if i := strings.Index(s, " #"); i >= 0 {
		s = s[:i]
	}
	s = strings.TrimRight(s, " ")
	if s == "" || strings.Contains(s, ": ") || strings.HasSuffix(s, ":") {
		return "", false
	}
	switch c := s[0]; {
	case c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z':
		return s, !specialWord(s)
	case c >= '0' && c <= '9':
		// Not what YAML 1.1 reads as an integer, a float or a timestamp: 1.2.0, 30m.
		n := len(s) - len(strings.TrimLeft(s, "0123456789"))
		plain := strings.ReplaceAll(s, "_", "")
		_, errInt := strconv.ParseInt(plain, 0, 64)
		_, errUint := strconv.ParseUint(plain, 0, 64)
		return s, errInt != nil && errUint != nil && !yamlFloat.MatchString(plain) && !strings.HasPrefix(plain, "0b") &&
			(n != 4 || s[n] != '-')
	case c == '/' || c == '^' || c == '=' || c == '(' || c == '~' && s != "~" || c == '<' && s != "<<":
		return s, true
	}
	return "", false
}

// afterQuote accepts what may follow a closing quote: nothing, or a comment.
func afterQuote(s string) bool {
	t := strings.TrimLeft(s, " ")
	return t == "" || t[0] == '#' && len(t) < len(s)
}

func doubleQuoted(rest string) (string, bool) {
	var b strings.Builder
	for i := 1; i < len(rest); i++ {
		switch c := rest[i]; c {
		case '"':
			return b.String(), afterQuote(rest[i+1:])
		case '\\':
			if i+1 == len(rest) {
				return "", false
			}
			i++
			switch rest[i] {
			case '"', '\\':
				b.WriteByte(rest[i])
			case 'n':
				b.WriteByte('\n')
			case 't':
				b.WriteByte('\t')
			default:
				return "", false
			}
		default:
			b.WriteByte(c)
		}
	}
	return "", false // no closing quote on this line
}

func singleQuoted(rest string) (string, bool) {
	var b strings.Builder
	for i := 1; i < len(rest); i++ {
		if rest[i] != '\'' {
			b.WriteByte(rest[i])
			continue
		}
		if i+1 < len(rest) && rest[i+1] == '\'' {
			b.WriteByte('\'')
			i++
			continue
		}
		return b.String(), afterQuote(rest[i+1:])
	}
	return "", false
}

// blockScalar reads a literal (|, |-) or folded (>, >-) block scalar whose header is
// rest, with content indented more than parent. Keep chomping (+), indentation
// indicators, leading blank lines, blank lines with extra spaces and, in folded scalars,
// more indented lines all fail.
func (p *fastParser) blockScalar(parent int, rest string, out *string) bool {
	folded, strip := rest[0] == '>', false
	h := rest[1:]
	if strings.HasPrefix(h, "-") {
		strip, h = true, h[1:]
	}
	if t := strings.TrimLeft(h, " "); t != "" && (t[0] != '#' || len(t) == len(h)) {
		return false
	}
	if p.i >= len(p.lines) || p.lines[p.i].text == "" {
		return false
	}
	bi := p.lines[p.i].indent
	if bi <= parent {
		return false
	}
	var b strings.Builder
	blanks, last := 0, -1
	for j := p.i; j < len(p.lines); j++ {
		l := p.lines[j]
		if l.text == "" {
			if l.indent > bi {
				return false
			}
			blanks++
			continue
		}
		if l.indent < bi {
			break
		}
		if folded && l.indent > bi {
			return false
		}
		if last >= 0 {
			switch {
			case !folded:
				b.WriteString(strings.Repeat("\n", blanks+1))
			case blanks == 0:
				b.WriteByte(' ')
			default:
				b.WriteString(strings.Repeat("\n", blanks))
			}
		}
		b.WriteString(strings.Repeat(" ", l.indent-bi))
		b.WriteString(l.text)
		blanks, last = 0, j
	}
	if last == len(p.lines)-1 && !p.nlEnd {
		return false
	}
	if !strip {
		b.WriteByte('\n')
	}
	p.i = last + 1
	*out = b.String()
	return true
}

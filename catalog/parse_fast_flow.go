package catalog

import "strings"

// Flow collections on one line ({a: x, b: "y"}, [x, "y"], [{a: x}]), as catalogs written
// by programs often use them, are rewritten into the block lines they mean before the
// fast path reads them, so the block rules decide every scalar's type. Only a simple
// subset is rewritten — keys are plain words, scalars are quoted or plain tokens without
// spaces, colons or indicators, mappings hold only scalars, and sequences scalars or such
// mappings; anything else (nesting, empty collections, comments, a collection that goes on
// to the next line) leaves the document to the general path.

// flowPair is one key and its scalar, as written.
type flowPair struct{ key, val string }

// flowItem is one entry of a flow sequence: a scalar, or a mapping when pairs is set.
type flowItem struct {
	val   string
	pairs []flowPair
}

// expandFlowValue returns the block lines of "key: rest" at indent when rest is a flow
// collection.
func expandFlowValue(indent int, key, rest string) ([]fastLine, bool) {
	out := []fastLine{{indent: indent, text: key + ":"}}
	switch rest[0] {
	case '{':
		pairs, n, ok := scanFlowMap(rest)
		if !ok || !onlySpaces(rest[n:]) {
			return nil, false
		}
		for _, pr := range pairs {
			out = append(out, fastLine{indent: indent + 2, text: pr.key + ": " + pr.val})
		}
	case '[':
		items, ok := scanFlowSeq(rest)
		if !ok {
			return nil, false
		}
		for _, it := range items {
			if it.pairs == nil {
				out = append(out, fastLine{indent: indent + 2, text: "- " + it.val})
				continue
			}
			out = append(out, itemLines(indent+2, it.pairs)...)
		}
	default:
		return nil, false
	}
	return out, true
}

// expandFlowItem returns the block lines of the sequence item "- {…}" at indent.
func expandFlowItem(indent int, flow string) ([]fastLine, bool) {
	pairs, n, ok := scanFlowMap(flow)
	if !ok || !onlySpaces(flow[n:]) {
		return nil, false
	}
	return itemLines(indent, pairs), true
}

// itemLines is a sequence item holding pairs, its dash at indent.
func itemLines(indent int, pairs []flowPair) []fastLine {
	out := make([]fastLine, 0, len(pairs))
	for i, pr := range pairs {
		if i == 0 {
			out = append(out, fastLine{indent: indent, text: "- " + pr.key + ": " + pr.val})
			continue
		}
		out = append(out, fastLine{indent: indent + 2, text: pr.key + ": " + pr.val})
	}
	return out
}

func onlySpaces(s string) bool { return strings.Trim(s, " ") == "" }

// scanFlowMap reads "{k: v, …}" at the start of s and returns its pairs and the length read.
func scanFlowMap(s string) ([]flowPair, int, bool) {
	var pairs []flowPair
	i := 1
	for {
		i = skipSpaces(s, i)
		k := i
		for i < len(s) && keyByte(s[i], i == k) {
			i++
		}
		if i == k || i+1 >= len(s) || s[i] != ':' || s[i+1] != ' ' || specialWord(s[k:i]) {
			return nil, 0, false
		}
		key := s[k:i]
		val, n, ok := scanFlowScalar(s, skipSpaces(s, i+1))
		if !ok {
			return nil, 0, false
		}
		pairs = append(pairs, flowPair{key, val})
		i = skipSpaces(s, n)
		if i >= len(s) {
			return nil, 0, false
		}
		switch s[i] {
		case ',':
			i++
		case '}':
			return pairs, i + 1, true
		default:
			return nil, 0, false
		}
	}
}

// scanFlowSeq reads "[x, {k: v}, …]", which must be all of s but trailing spaces.
func scanFlowSeq(s string) ([]flowItem, bool) {
	var items []flowItem
	i := 1
	for {
		i = skipSpaces(s, i)
		if i >= len(s) {
			return nil, false
		}
		if s[i] == '{' {
			pairs, n, ok := scanFlowMap(s[i:])
			if !ok {
				return nil, false
			}
			items = append(items, flowItem{pairs: pairs})
			i += n
		} else {
			val, n, ok := scanFlowScalar(s, i)
			if !ok {
				return nil, false
			}
			items = append(items, flowItem{val: val})
			i = n
		}
		i = skipSpaces(s, i)
		if i >= len(s) {
			return nil, false
		}
		switch s[i] {
		case ',':
			i++
		case ']':
			return items, onlySpaces(s[i+1:])
		default:
			return nil, false
		}
	}
}

// scanFlowScalar reads the scalar at s[i:] as written (quotes included) and returns it
// with the index after it. A plain scalar ends at ',', '}' or ']' and may hold none of
// spaces, ':', '#', quotes or brackets, nor start with an indicator.
func scanFlowScalar(s string, i int) (string, int, bool) {
	if i >= len(s) {
		return "", 0, false
	}
	switch s[i] {
	case '"':
		for j := i + 1; j < len(s); j++ {
			switch s[j] {
			case '\\':
				j++
			case '"':
				return s[i : j+1], j + 1, true
			}
		}
		return "", 0, false
	case '\'':
		for j := i + 1; j < len(s); j++ {
			if s[j] != '\'' {
				continue
			}
			if j+1 < len(s) && s[j+1] == '\'' {
				j++
				continue
			}
			return s[i : j+1], j + 1, true
		}
		return "", 0, false
	}
	if strings.IndexByte("-?:,[]{}#&*!|>%@`", s[i]) >= 0 {
		return "", 0, false
	}
	j := i
	for j < len(s) && s[j] != ',' && s[j] != '}' && s[j] != ']' {
		if strings.IndexByte(" \t:#'\"[{", s[j]) >= 0 {
			return "", 0, false
		}
		j++
	}
	return s[i:j], j, j > i
}

func skipSpaces(s string, i int) int {
	for i < len(s) && s[i] == ' ' {
		i++
	}
	return i
}

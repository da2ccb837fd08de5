package catalog

import "math/bits"

// vset is a set over the domain of one component: bit i (i < n) is its i-th version in
// ascending order, bit n is "absent" (not installed). Sets of components with fewer than
// 64 versions live in w without allocating; larger ones use big (w is then unused). The
// operations treat missing words as zero, so both forms mix freely. 16 bytes, so the
// solver's hot loops stay in cache.
type vset struct {
	w   uint64
	big *[]uint64
}

func mkBig(b []uint64) vset { return vset{big: &b} }

func (a vset) word(i int) uint64 {
	if a.big == nil {
		if i == 0 {
			return a.w
		}
		return 0
	}
	if b := *a.big; i < len(b) {
		return b[i]
	}
	return 0
}

func (a vset) words() int {
	if a.big == nil {
		return 1
	}
	return len(*a.big)
}

func bitSet(i int) vset {
	if i < 64 {
		return vset{w: 1 << uint(i)}
	}
	b := make([]uint64, i/64+1)
	b[i/64] = 1 << uint(i%64)
	return mkBig(b)
}

// rangeSet returns the bits [0, n).
func rangeSet(n int) vset {
	if n <= 64 {
		if n == 64 {
			return vset{w: ^uint64(0)}
		}
		return vset{w: 1<<uint(n) - 1}
	}
	b := make([]uint64, (n+63)/64)
	for i := range b {
		b[i] = ^uint64(0)
	}
	if r := n % 64; r != 0 {
		b[len(b)-1] = 1<<uint(r) - 1
	}
	return mkBig(b)
}

func (a vset) with(i int) vset { return a.or(bitSet(i)) }

func (a vset) has(i int) bool {
	return a.word(i/64)&(1<<uint(i%64)) != 0
}

func (a vset) and(b vset) vset {
	if a.big == nil && b.big == nil {
		return vset{w: a.w & b.w}
	}
	n := max(a.words(), b.words())
	out := make([]uint64, n)
	for i := range out {
		out[i] = a.word(i) & b.word(i)
	}
	return mkBig(out)
}

func (a vset) or(b vset) vset {
	if a.big == nil && b.big == nil {
		return vset{w: a.w | b.w}
	}
	n := max(a.words(), b.words())
	out := make([]uint64, n)
	for i := range out {
		out[i] = a.word(i) | b.word(i)
	}
	return mkBig(out)
}

// minus returns a \ b.
func (a vset) minus(b vset) vset {
	if a.big == nil && b.big == nil {
		return vset{w: a.w &^ b.w}
	}
	out := make([]uint64, a.words())
	for i := range out {
		out[i] = a.word(i) &^ b.word(i)
	}
	return mkBig(out)
}

func (a vset) empty() bool {
	if a.big == nil {
		return a.w == 0
	}
	for _, w := range *a.big {
		if w != 0 {
			return false
		}
	}
	return true
}

// subsetOf reports a ⊆ b.
func (a vset) subsetOf(b vset) bool {
	if a.big == nil && b.big == nil {
		return a.w&^b.w == 0
	}
	for i := range a.words() {
		if a.word(i)&^b.word(i) != 0 {
			return false
		}
	}
	return true
}

// disjoint reports a ∩ b = ∅.
func (a vset) disjoint(b vset) bool {
	if a.big == nil && b.big == nil {
		return a.w&b.w == 0
	}
	n := min(a.words(), b.words())
	for i := range n {
		if a.word(i)&b.word(i) != 0 {
			return false
		}
	}
	return true
}

func (a vset) count() int {
	if a.big == nil {
		return bits.OnesCount64(a.w)
	}
	n := 0
	for _, w := range *a.big {
		n += bits.OnesCount64(w)
	}
	return n
}

// highest returns the highest bit below limit, or -1.
func (a vset) highest(limit int) int {
	for wi := min(a.words()-1, (limit-1)/64); wi >= 0; wi-- {
		w := a.word(wi)
		if top := limit - wi*64; top < 64 {
			w &= 1<<uint(top) - 1
		}
		if w != 0 {
			return wi*64 + bits.Len64(w) - 1
		}
	}
	return -1
}

// lowest returns the lowest bit, or -1.
func (a vset) lowest() int {
	for wi := range a.words() {
		if w := a.word(wi); w != 0 {
			return wi*64 + bits.TrailingZeros64(w)
		}
	}
	return -1
}

// each calls f for every bit in ascending order.
func (a vset) each(f func(int)) {
	for wi := range a.words() {
		w := a.word(wi)
		for w != 0 {
			b := bits.TrailingZeros64(w)
			f(wi*64 + b)
			w &= w - 1
		}
	}
}

package bootstrap

import (
	"bytes"
	"io"
	"sort"
	"strings"
	"sync"
)

// Redacted replaces a secret in output.
const Redacted = "[REDACTED]"

// minSecretLen keeps one- and two-character values from wrecking output; no real
// credential is that short.
const minSecretLen = 3

// Redactor removes secret values from text.
type Redactor struct {
	replacer *strings.Replacer
}

// NewRedactor returns a redactor for the given secret values.
func NewRedactor(secrets ...string) *Redactor {
	uniq := map[string]bool{}
	for _, s := range secrets {
		if len(s) >= minSecretLen {
			uniq[s] = true
		}
	}
	// Longest first, so a secret containing another is replaced whole.
	list := make([]string, 0, len(uniq))
	for s := range uniq {
		list = append(list, s)
	}
	sort.Slice(list, func(i, j int) bool { return len(list[i]) > len(list[j]) })
	r := &Redactor{}
	pairs := make([]string, 0, 2*len(list))
	for _, s := range list {
		pairs = append(pairs, s, Redacted)
	}
	if len(pairs) > 0 {
		r.replacer = strings.NewReplacer(pairs...)
	}
	return r
}

// String returns s with every secret replaced.
func (r *Redactor) String(s string) string {
	if r == nil || r.replacer == nil {
		return s
	}
	return r.replacer.Replace(s)
}

// Writer returns a writer that redacts what it passes to w. It buffers up to the end of a
// line so a secret split across writes is still caught; Close (or Flush) writes the rest.
func (r *Redactor) Writer(w io.Writer) *RedactingWriter {
	return &RedactingWriter{r: r, w: w}
}

// RedactingWriter is a line-buffered, redacting io.Writer, safe for concurrent use.
type RedactingWriter struct {
	mu  sync.Mutex
	r   *Redactor
	w   io.Writer
	buf bytes.Buffer
}

// maxPending bounds the buffer for output without newlines (progress bars).
const maxPending = 64 << 10

func (rw *RedactingWriter) Write(p []byte) (int, error) {
	rw.mu.Lock()
	defer rw.mu.Unlock()
	rw.buf.Write(p)
	data := rw.buf.Bytes()
	cut := bytes.LastIndexByte(data, '\n') + 1
	if cut == 0 && len(data) > maxPending {
		// A line this long is flushed whole; only a secret split across this boundary
		// could slip through, and Terraform writes whole lines.
		cut = len(data)
	}
	if cut > 0 {
		out := rw.r.String(string(data[:cut]))
		rest := append([]byte(nil), data[cut:]...)
		rw.buf.Reset()
		rw.buf.Write(rest)
		if _, err := io.WriteString(rw.w, out); err != nil {
			return 0, err
		}
	}
	return len(p), nil
}

// Flush writes whatever is buffered.
func (rw *RedactingWriter) Flush() error {
	rw.mu.Lock()
	defer rw.mu.Unlock()
	if rw.buf.Len() == 0 {
		return nil
	}
	out := rw.r.String(rw.buf.String())
	rw.buf.Reset()
	_, err := io.WriteString(rw.w, out)
	return err
}

// Close flushes; it does not close the underlying writer.
func (rw *RedactingWriter) Close() error { return rw.Flush() }

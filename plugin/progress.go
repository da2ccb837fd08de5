package plugin

import (
	"bytes"
	"io"
	"regexp"
	"strings"
	"sync"
)

// phaseLine matches bootstrap's phase headers: "==> [5/9] apply".
var phaseLine = regexp.MustCompile(`^==> \[\d+/\d+\] ([a-z-]+)`)

// terraformPhases are the phases whose output is Terraform's own.
var terraformPhases = map[string]bool{"init": true, "plan": true, "apply": true, "outputs": true, "destroy": true}

// terraformProgress shows bootstrap's output on a terminal: phase headers and other
// messages as permanent lines, Terraform's own output as the spinner's status line, which
// each new line replaces. Every byte also goes to log, in full, for when something fails.
type terraformProgress struct {
	mu   sync.Mutex
	spin *spinner
	log  io.Writer
	buf  []byte
	inTF bool
}

func newTerraformProgress(spin *spinner, log io.Writer) *terraformProgress {
	return &terraformProgress{spin: spin, log: log}
}

func (p *terraformProgress) Write(b []byte) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if _, err := p.log.Write(b); err != nil {
		return 0, err
	}
	p.buf = append(p.buf, b...)
	for {
		i := bytes.IndexByte(p.buf, '\n')
		if i < 0 {
			return len(b), nil
		}
		p.line(strings.TrimRight(string(p.buf[:i]), "\r"))
		p.buf = p.buf[i+1:]
	}
}

func (p *terraformProgress) line(l string) {
	if m := phaseLine.FindStringSubmatch(l); m != nil {
		p.inTF = terraformPhases[m[1]]
		p.spin.status("")
	}
	switch {
	case !p.inTF || strings.HasPrefix(l, "==> "):
		p.spin.println(l)
	case strings.TrimSpace(l) != "":
		p.spin.status("terraform: " + strings.TrimSpace(l))
	}
}

// Close prints what is left of an unfinished line.
func (p *terraformProgress) Close() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.buf) > 0 {
		p.line(string(p.buf))
		p.buf = nil
	}
	return nil
}

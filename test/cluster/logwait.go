package cluster

import (
	"context"
	"fmt"
	"os"
	"regexp"
	"time"
)

// WaitLog waits until the process's log has a line matching re and returns the match's
// groups; it fails when the process exits first or ctx ends.
func (p *Process) WaitLog(ctx context.Context, re *regexp.Regexp) ([]string, error) {
	for {
		data, err := os.ReadFile(p.LogPath)
		if err != nil {
			return nil, err
		}
		if m := re.FindStringSubmatch(string(data)); m != nil {
			return m, nil
		}
		if exited, err := p.Exited(); exited {
			return nil, fmt.Errorf("%s exited before printing %s: %w\n%s", p.Name, re, err, data)
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("%s printed no %s: %w\n%s", p.Name, re, ctx.Err(), data)
		case <-time.After(100 * time.Millisecond):
		}
	}
}

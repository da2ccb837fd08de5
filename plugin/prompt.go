package plugin

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
)

// Confirm asks a yes/no question on out and reads the answer from in; only "y" or "yes"
// agree. Ctrl-C (ctx done) while waiting for the answer is an error. Callers check first
// that in is a terminal, or that --yes was given.
func Confirm(ctx context.Context, in io.Reader, out io.Writer, question string) (bool, error) {
	fmt.Fprintf(out, "%s [y/N]: ", question)
	type answer struct {
		line string
		err  error
	}
	answers := make(chan answer, 1)
	go func() {
		line, err := bufio.NewReader(in).ReadString('\n')
		answers <- answer{line, err}
	}()
	select {
	case <-ctx.Done():
		fmt.Fprintln(out)
		return false, WithCode(ExitFailure, fmt.Errorf("interrupted: %w", ctx.Err()))
	case a := <-answers:
		if a.err != nil && !errors.Is(a.err, io.EOF) {
			return false, WithCode(ExitFailure, a.err)
		}
		switch strings.ToLower(strings.TrimSpace(a.line)) {
		case "y", "yes":
			return true, nil
		}
		return false, nil
	}
}

// errNoTTY is returned when a command needs a confirmation and has no terminal to ask on.
func errNoTTY(what string) error {
	return Errorf(ExitInvalidInput, "%s needs a confirmation and stdin is not a terminal: pass --yes to proceed without asking", what)
}

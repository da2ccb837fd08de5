package plugin

import (
	"bufio"
	"fmt"
	"io"
	"strings"
)

// Confirm asks a yes/no question on out and reads the answer from in; only "y" or "yes"
// agree. Callers check first that in is a terminal, or that --yes was given.
func Confirm(in io.Reader, out io.Writer, question string) (bool, error) {
	fmt.Fprintf(out, "%s [y/N]: ", question)
	line, err := bufio.NewReader(in).ReadString('\n')
	if err != nil && line == "" {
		return false, fmt.Errorf("read the answer: %w", err)
	}
	switch strings.ToLower(strings.TrimSpace(line)) {
	case "y", "yes":
		return true, nil
	}
	return false, nil
}

// errNoTTY is returned when a command needs a confirmation and has no terminal to ask on.
func errNoTTY(what string) error {
	return Errorf(ExitInvalidInput, "%s needs a confirmation and stdin is not a terminal: pass --yes to proceed without asking", what)
}

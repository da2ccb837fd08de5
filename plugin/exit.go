package plugin

import (
	"errors"
	"fmt"

	"github.com/openova-io/core/bootstrap"
	"github.com/openova-io/core/catalog"
	"github.com/openova-io/core/lifecycle"
)

// Exit codes of kubectl openova (docs/cli.md). Scripts rely on them: never renumber.
const (
	// ExitOK: success.
	ExitOK = 0
	// ExitFailure: talking to the cluster or applying failed.
	ExitFailure = 1
	// ExitInvalidInput: unknown command, flag, component or version; a malformed file.
	ExitInvalidInput = 2
	// ExitUnsatisfiable: the request conflicts with the catalog's constraints or has a cycle.
	ExitUnsatisfiable = 3
	// ExitUnhealthy: not healthy, or a wait timed out (status --check, --wait).
	ExitUnhealthy = 4
	// ExitChangesPending: --dry-run --exit-code found changes to make.
	ExitChangesPending = 5
)

// errSilent ends a command with its exit code and no error line, when the command has
// already said what there is to say (--dry-run --exit-code with changes pending).
var errSilent = errors.New("")

// ExitError is an error with the exit code the command ends with.
type ExitError struct {
	Code int
	Err  error
}

func (e *ExitError) Error() string { return e.Err.Error() }

func (e *ExitError) Unwrap() error { return e.Err }

// UsageError is an error about the command line itself — an unknown command or flag, a
// flag value that does not parse, the wrong number of arguments — raised by cobra's flag
// parsing or a command's Args validator. It exits 2, with a hint to run --help.
type UsageError struct{ Err error }

func (e *UsageError) Error() string { return e.Err.Error() }

func (e *UsageError) Unwrap() error { return e.Err }

func usageError(err error) error {
	if err == nil {
		return nil
	}
	return &UsageError{Err: err}
}

// WithCode wraps err so the command exits with code.
func WithCode(code int, err error) error {
	if err == nil {
		return nil
	}
	return &ExitError{Code: code, Err: err}
}

// Errorf formats an error that makes the command exit with code.
func Errorf(code int, format string, args ...any) error {
	return &ExitError{Code: code, Err: fmt.Errorf(format, args...)}
}

// ExitCode maps an error to the exit code of the command by its type, never its text: the
// code of an ExitError; 2 for invalid input reported by the catalog, bootstrap and
// lifecycle packages; 3 for unsatisfiable requests; 4 for a wait that ended unhealthy; 1
// for anything else (a *lifecycle.ChangedError, a cluster that cannot be reached, …).
func ExitCode(err error) int {
	if err == nil {
		return ExitOK
	}
	var exit *ExitError
	if errors.As(err, &exit) {
		return exit.Code
	}
	var (
		input    *catalog.InputError
		invalid  *catalog.ValidationError
		conflict *catalog.ConflictError
		cycle    *catalog.CycleError
		config   *bootstrap.ValidationError
		request  *lifecycle.InputError
		health   *lifecycle.UnhealthyError
		provided *lifecycle.ProvidedError
		usage    *UsageError
	)
	switch {
	case errors.As(err, &usage), errors.As(err, &input), errors.As(err, &invalid), errors.As(err, &config), errors.As(err, &request):
		return ExitInvalidInput
	case errors.As(err, &conflict), errors.As(err, &cycle), errors.As(err, &provided):
		return ExitUnsatisfiable
	case errors.As(err, &health):
		return ExitUnhealthy
	}
	return ExitFailure
}

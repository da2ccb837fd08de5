package lifecycle

import (
	"errors"
	"fmt"
	"net/url"
	"strings"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"

	"github.com/openova-io/core/catalog"
)

// InputError is a request that names something that is not there or is ambiguous (a
// Platform that does not exist, several Platforms and none chosen, a catalog that does not
// load).
type InputError struct{ Err error }

func (e *InputError) Error() string { return e.Err.Error() }

func (e *InputError) Unwrap() error { return e.Err }

func inputErrorf(format string, args ...any) error {
	return &InputError{Err: fmt.Errorf(format, args...)}
}

// ChangedError is returned by Apply when another client wrote the Platform's
// spec.components since it was read: nothing was written, and a new plan is needed.
type ChangedError struct {
	// Platform is the Platform's name.
	Platform string
	// Deleted is true when the Platform is gone.
	Deleted bool
	// Field is what the other client wrote; spec.components when empty.
	Field string
}

func (e *ChangedError) Error() string {
	if e.Deleted {
		return fmt.Sprintf("the platform %s was deleted since it was read", e.Platform)
	}
	field := e.Field
	if field == "" {
		field = "spec.components"
	}
	return fmt.Sprintf("the platform %s changed since it was read (another client wrote %s); nothing was written: run the command again to see the new plan", e.Platform, field)
}

// ProvidedError is a plan that would change an entry the cluster provides (a dependency
// that needs a newer Cilium than k3s installed): the plan is refused, as one the catalog's
// constraints rule out.
type ProvidedError struct {
	Component, By string
	Action        catalog.Action
	Version       string
}

func (e *ProvidedError) Error() string {
	to := ""
	if e.Version != "" {
		to = " to " + e.Version
	}
	return fmt.Sprintf("the change would %s %s%s, but %s is provided by %s (the cluster installs and upgrades it, not kubectl openova)", e.Action, e.Component, to, e.Component, e.By)
}

// ConflictError is a write refused because another field manager owns what it changes or
// removes.
type ConflictError struct {
	Err error
	// CLIHint says how the CLI would take the fields over ("or pass --force-conflicts …");
	// the dashboard, which has no such flag, shows Err alone.
	CLIHint string
}

func (e *ConflictError) Error() string {
	if e.CLIHint != "" {
		return e.Err.Error() + ", " + e.CLIHint
	}
	return e.Err.Error()
}

func (e *ConflictError) Unwrap() error { return e.Err }

// UnhealthyError ends a wait: a Component or the Platform reported a terminal failure, or
// the wait timed out.
type UnhealthyError struct {
	// Component is the component that failed; empty for the Platform or a timeout.
	Component string
	// Reason is the condition reason that made the failure terminal (UpgradeRolledBack,
	// UnknownVersion, …); empty for a timeout.
	Reason string
	// Message says what happened, in full.
	Message string
	// Timeout is true when the wait ran out of time.
	Timeout bool
}

func (e *UnhealthyError) Error() string { return e.Message }

// ClusterError explains an error talking to the cluster: missing CRDs point at
// kubectl openova check, an unreachable API server at the kubeconfig. Typed errors of this
// package pass unchanged.
func ClusterError(err error) error {
	if err == nil {
		return nil
	}
	var (
		input     *InputError
		changed   *ChangedError
		conflict  *ConflictError
		unhealthy *UnhealthyError
	)
	if errors.As(err, &input) || errors.As(err, &changed) || errors.As(err, &conflict) || errors.As(err, &unhealthy) {
		return err
	}
	if meta.IsNoMatchError(err) || apierrors.IsNotFound(err) && strings.Contains(err.Error(), "the server could not find the requested resource") {
		return fmt.Errorf("the openova CRDs are not installed in this cluster (%w): run kubectl openova check", err)
	}
	var urlErr *url.Error
	if errors.As(err, &urlErr) {
		return fmt.Errorf("cannot reach the Kubernetes API server: %w (check the kubeconfig context; --request-timeout bounds each request)", err)
	}
	return err
}

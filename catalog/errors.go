package catalog

import (
	"fmt"
	"strings"
)

// Problem is one thing wrong with a catalog, located as precisely as possible.
type Problem struct {
	// File is the file or URL the problem is in.
	File string
	// Document is the 1-based number of the YAML document in a multi-document file; 0
	// when the file holds a single document.
	Document int
	// Component is the name of the component, when known.
	Component string
	// Field is the path of the offending field, such as versions[1].requires[0].constraint.
	Field string
	// Message says what is wrong.
	Message string
}

func (p Problem) String() string {
	var b strings.Builder
	if p.File != "" {
		b.WriteString(p.File)
		if p.Document > 0 {
			fmt.Fprintf(&b, " (document %d)", p.Document)
		}
		b.WriteString(": ")
	}
	if p.Component != "" {
		fmt.Fprintf(&b, "component %q: ", p.Component)
	}
	if p.Field != "" {
		b.WriteString(p.Field)
		b.WriteString(": ")
	}
	b.WriteString(p.Message)
	return b.String()
}

// ValidationError lists every problem found in a catalog.
type ValidationError struct {
	Problems []Problem
}

func (e *ValidationError) Error() string {
	if len(e.Problems) == 1 {
		return "invalid catalog: " + e.Problems[0].String()
	}
	var b strings.Builder
	fmt.Fprintf(&b, "invalid catalog: %d problems:", len(e.Problems))
	for _, p := range e.Problems {
		b.WriteString("\n  ")
		b.WriteString(p.String())
	}
	return b.String()
}

// InputError reports a request the resolver refuses before searching: an unknown
// component or version, an optional member that is not one, uninstalling a mandatory
// component or one that is not installed, a downgrade that was not allowed. The CLI maps
// it to its "invalid input" exit code.
type InputError struct {
	Problems []string
}

func (e *InputError) Error() string {
	return "invalid request: " + strings.Join(e.Problems, "; ")
}

// ConflictError reports a request that no combination of versions satisfies. Error()
// names every constraint chain involved and suggests what would fit. The CLI maps it to
// its "unsatisfiable" exit code.
type ConflictError struct {
	// Request describes the request, e.g. "install ai-hub".
	Request string
	// Conflicts are the incompatible constraint chains, one sentence each, e.g. "ai-hub
	// requires cnpg ^1.24 (ai-hub → milvus ^2.4 → cnpg ^1.24) but open-banking 2.0.0
	// requires cnpg ^2.0".
	Conflicts []string
	// Facts are all the facts (requests, installed versions, catalog requirements) the
	// resolver's proof of unsatisfiability used, one sentence each.
	Facts []string
	// Hints say what change to the request would make it satisfiable, when the resolver
	// found one.
	Hints []string
}

func (e *ConflictError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "cannot %s: ", e.Request)
	switch {
	case len(e.Conflicts) == 1:
		b.WriteString(e.Conflicts[0])
	case len(e.Conflicts) > 1:
		b.WriteString("conflicting constraints:")
		for _, c := range e.Conflicts {
			b.WriteString("\n  - ")
			b.WriteString(c)
		}
	default:
		b.WriteString("no combination of versions satisfies:")
		for _, f := range e.Facts {
			b.WriteString("\n  - ")
			b.WriteString(f)
		}
	}
	for _, h := range e.Hints {
		b.WriteString("\nhint: ")
		b.WriteString(h)
	}
	return b.String()
}

// CycleError reports that every solution of a request would contain a dependency cycle,
// which Flux cannot install (each HelmRelease would wait for the next).
type CycleError struct {
	// Request describes the request, e.g. "install a".
	Request string
	// Cycle lists the components of the cycle, the first repeated at the end:
	// [a b c a].
	Cycle []string
	// Edges describe each edge of the cycle, e.g. "a 1.0.0 requires b ^1.0".
	Edges []string
	// Hints say what change to the request would avoid the cycle, when one exists.
	Hints []string
}

func (e *CycleError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "cannot %s: dependency cycle %s", e.Request, strings.Join(e.Cycle, " → "))
	if len(e.Edges) > 0 {
		fmt.Fprintf(&b, " (%s)", strings.Join(e.Edges, ", "))
	}
	for _, h := range e.Hints {
		b.WriteString("\nhint: ")
		b.WriteString(h)
	}
	return b.String()
}

// VerifyError lists every violation Verify found in a set of components.
type VerifyError struct {
	Violations []string
}

func (e *VerifyError) Error() string {
	if len(e.Violations) == 1 {
		return "inconsistent components: " + e.Violations[0]
	}
	return fmt.Sprintf("inconsistent components: %d violations:\n  %s", len(e.Violations),
		strings.Join(e.Violations, "\n  "))
}

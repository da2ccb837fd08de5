package catalog

// Installed is one component of a platform as Platform.spec.components lists it.
type Installed struct {
	// Name of the component.
	Name string `json:"name"`
	// Version installed (or desired).
	Version string `json:"version"`
	// Reason is "" or "requested" for a component the user asked for (explicit), or why
	// it is there otherwise: "dependency of ai-hub", "optional member of ai-hub".
	// Components that are not explicit are removed once nothing needs them.
	Reason string `json:"reason,omitempty"`
}

// Reasons a plan gives, besides "dependency of NAME" and "optional member of NAME".
const (
	ReasonRequested      = "requested"
	ReasonNoLongerNeeded = "no longer needed"
	dependencyOf         = "dependency of "
	optionalMemberOf     = "optional member of "
)

// Explicit reports whether the user asked for the component (Reason "" or "requested").
func (i Installed) Explicit() bool { return i.Reason == "" || i.Reason == ReasonRequested }

// RequestKind is what the user asks for.
type RequestKind string

// Request kinds.
const (
	Install   RequestKind = "install"
	Upgrade   RequestKind = "upgrade"
	Uninstall RequestKind = "uninstall"
)

// Request is what the user asks the resolver for.
type Request struct {
	// Kind is Install, Upgrade or Uninstall.
	Kind RequestKind
	// Names are the components to install, upgrade or uninstall.
	Names []string
	// With are optional members of the components installed (install ai-hub --with
	// neo4j). Install only.
	With []string
	// Versions pins versions: for Install, the version of a name or a With member; for
	// Upgrade, the target version of a name (or of any installed component with All).
	Versions map[string]string
	// All upgrades every installed component. Upgrade only.
	All bool
	// AllowDowngrade allows a pinned version older than the installed one.
	AllowDowngrade bool
}

// Action is what a plan step does to a component.
type Action string

// Actions.
const (
	ActionInstall Action = "install"
	ActionUpgrade Action = "upgrade"
	// ActionDowngrade only appears when the request allowed downgrades and pinned an
	// older version.
	ActionDowngrade Action = "downgrade"
	// ActionKeep: the component stays at its version. Plans list kept components that
	// the request touches (the requested components and what they depend on), so the CLI
	// can show "already installed".
	ActionKeep   Action = "keep"
	ActionRemove Action = "remove"
)

// Step is one line of a plan.
type Step struct {
	Action    Action `json:"action"`
	Component string `json:"component"`
	// From is the installed version ("" for install).
	From string `json:"from"`
	// To is the version after the plan ("" for remove).
	To string `json:"to"`
	// Reason is why the component is in the platform after the plan ("requested",
	// "dependency of ai-hub", "optional member of ai-hub"), or, for a removal,
	// "requested" or "no longer needed".
	Reason string `json:"reason"`
	// Parts names, in delivery order, the parts of a multi-part component version (To,
	// or From for a removal); empty for single-part components.
	Parts []string `json:"parts,omitempty"`
}

// Versions is the step's version in words: the version installed, kept or removed, or
// "FROM → TO" for an upgrade or downgrade.
func (s Step) Versions() string {
	switch s.Action {
	case ActionInstall:
		return s.To
	case ActionRemove, ActionKeep:
		return s.From
	}
	return s.From + " → " + s.To
}

// Plan is the ordered outcome of a resolution. Steps are ordered so that a component
// comes after everything it depends on; removals come last, dependents before their
// dependencies. Its JSON form, {"steps":[{"action","component","from","to","reason"}]},
// is what `kubectl openova … -o json` prints.
type Plan struct {
	Steps []Step `json:"steps"`
}

// HasChanges reports whether the plan installs, upgrades, downgrades or removes anything.
func (p *Plan) HasChanges() bool {
	for _, s := range p.Steps {
		if s.Action != ActionKeep {
			return true
		}
	}
	return false
}

// Apply returns the set of components after the plan, given the set it was resolved
// from: what the CLI writes to Platform.spec.components. Entries keep their order and
// new ones are appended in plan order. Explicit entries keep their Reason ("" stays "");
// a component the request names explicitly gets "requested"; every other entry gets the
// reason of its step.
func (p *Plan) Apply(installed []Installed) []Installed {
	steps := make(map[string]Step, len(p.Steps))
	for _, s := range p.Steps {
		steps[s.Component] = s
	}
	out := make([]Installed, 0, len(installed)+len(p.Steps))
	have := make(map[string]bool, len(installed))
	for _, in := range installed {
		have[in.Name] = true
		s, ok := steps[in.Name]
		if !ok {
			out = append(out, in)
			continue
		}
		if s.Action == ActionRemove {
			continue
		}
		if s.To != "" {
			in.Version = s.To
		}
		if s.Reason != "" && (!in.Explicit() || s.Reason != ReasonRequested) {
			in.Reason = s.Reason
		}
		out = append(out, in)
	}
	for _, s := range p.Steps {
		if s.Action != ActionRemove && !have[s.Component] {
			have[s.Component] = true
			out = append(out, Installed{Name: s.Component, Version: s.To, Reason: s.Reason})
		}
	}
	return out
}

// Resolve plans a request against the installed components. It returns an *InputError
// for a request it refuses outright, a *ConflictError or *CycleError when no combination
// of versions satisfies the request (with an explanation and hints), or the plan.
//
// Install and upgrade search the catalog completely (see solver.go): requested components
// get their newest version that fits, installed components keep their version unless a
// new requirement forces an upgrade, nothing is downgraded unless the request pins an
// older version and allows it, and pre-releases are only used when pinned or already
// installed. Every plan prunes components that are not explicit, not mandatory and no
// longer needed by anything.
func Resolve(c *Catalog, installed []Installed, req Request) (*Plan, error) {
	p, _, err := resolve(c, installed, req, defaultSolverOptions)
	return p, err
}

// solveStats are the search statistics of one resolution (benchmarks report them).
type solveStats struct {
	conflicts, decisions int
}

func resolve(c *Catalog, installed []Installed, req Request, options solverOptions) (*Plan, solveStats, error) {
	if c == nil {
		return nil, solveStats{}, &InputError{Problems: []string{"no catalog"}}
	}
	r, err := newResolution(c, installed, req)
	if err != nil {
		return nil, solveStats{}, err
	}
	r.options = options
	if req.Kind == Uninstall {
		p, err := r.uninstall()
		nameParts(c, p)
		return p, solveStats{}, err
	}
	p, err := r.solve()
	nameParts(c, p)
	return p, r.stats, err
}

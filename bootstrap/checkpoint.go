package bootstrap

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"time"
)

// Phase is one step of a bootstrap.
type Phase string

// The phases, in order. Validate and Prepare run on every run (they only check and copy);
// from Init on, a re-run resumes at the first phase that did not finish. A resumed Apply
// plans again first, because a saved plan is stale once the state changed.
const (
	PhaseValidate        Phase = "validate"
	PhasePrepare         Phase = "prepare"
	PhaseInit            Phase = "init"
	PhasePlan            Phase = "plan"
	PhaseApply           Phase = "apply"
	PhaseOutputs         Phase = "outputs"
	PhaseInstallOperator Phase = "install-operator"
	PhaseCreatePlatform  Phase = "create-platform"
	PhaseReport          Phase = "report"
)

// phaseSpec is one phase of the list. An alwaysRun phase (validate, prepare: they only
// check and copy) runs on every run; the others are skipped on a resumed run when an
// earlier run finished them.
type phaseSpec struct {
	phase     Phase
	alwaysRun bool
}

// phaseList is every phase in the order they run.
var phaseList = []phaseSpec{
	{PhaseValidate, true}, {PhasePrepare, true}, {PhaseInit, false}, {PhasePlan, false}, {PhaseApply, false},
	{PhaseOutputs, false}, {PhaseInstallOperator, false}, {PhaseCreatePlatform, false}, {PhaseReport, false},
}

// Phases lists the phases in the order they run.
var Phases = func() []Phase {
	out := make([]Phase, 0, len(phaseList))
	for _, p := range phaseList {
		out = append(out, p.phase)
	}
	return out
}()

// PhaseState is how a phase ended.
type PhaseState string

// Phase states recorded in the checkpoint.
const (
	PhaseDone        PhaseState = "done"
	PhaseSkipped     PhaseState = "skipped"
	PhaseFailed      PhaseState = "failed"
	PhaseInterrupted PhaseState = "interrupted"
)

// PhaseRecord is one phase in the checkpoint.
type PhaseRecord struct {
	Name       Phase      `json:"name"`
	State      PhaseState `json:"state"`
	StartedAt  time.Time  `json:"startedAt"`
	FinishedAt time.Time  `json:"finishedAt"`
	// Note says why a phase was skipped.
	Note string `json:"note,omitempty"`
	// Error is the failure, with every credential redacted.
	Error string `json:"error,omitempty"`
}

// Checkpoint is the progress of a bootstrap, kept in <workDir>/checkpoint.json. It holds
// no credentials and no kubeconfig content (only the kubeconfig paths).
type Checkpoint struct {
	Version      int           `json:"version"`
	Organization string        `json:"organization"`
	Provider     Provider      `json:"provider"`
	ConfigDigest string        `json:"configDigest"`
	Phases       []PhaseRecord `json:"phases"`
	Outputs      *Outputs      `json:"outputs,omitempty"`
	Complete     bool          `json:"complete"`
	UpdatedAt    time.Time     `json:"updatedAt"`
}

const checkpointVersion = 1

// Files in the work directory.
const (
	CheckpointFile = "checkpoint.json"
	ConfigFile     = "config.yaml"
	ModuleDir      = "terraform"
	PlanFile       = "openova.tfplan"
	TFVarsFile     = "terraform.tfvars.json"
	lockFile       = ".lock"
)

// CheckpointPath is the checkpoint file of a work directory.
func CheckpointPath(workDir string) string { return filepath.Join(workDir, CheckpointFile) }

// ConfigPath is where Run keeps the configuration it ran with (no credentials), so
// destroy and status need only the work directory.
func ConfigPath(workDir string) string { return filepath.Join(workDir, ConfigFile) }

// LoadCheckpoint reads a work directory's checkpoint; it returns nil, nil when there is none.
func LoadCheckpoint(workDir string) (*Checkpoint, error) {
	data, err := os.ReadFile(CheckpointPath(workDir))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read checkpoint: %w", err)
	}
	cp := &Checkpoint{}
	if err := json.Unmarshal(data, cp); err != nil {
		return nil, fmt.Errorf("checkpoint %q is corrupt (delete it to start over): %w", CheckpointPath(workDir), err)
	}
	if cp.Version != checkpointVersion {
		return nil, fmt.Errorf("checkpoint %q has version %d, this build understands %d", CheckpointPath(workDir), cp.Version, checkpointVersion)
	}
	return cp, nil
}

// save writes the checkpoint atomically.
func (cp *Checkpoint) save(workDir string, now time.Time) error {
	cp.UpdatedAt = now
	data, err := json.MarshalIndent(cp, "", "  ")
	if err != nil {
		return err
	}
	return writeFileAtomic(CheckpointPath(workDir), append(data, '\n'))
}

// record returns the record of a phase, or nil.
func (cp *Checkpoint) record(p Phase) *PhaseRecord {
	for i := range cp.Phases {
		if cp.Phases[i].Name == p {
			return &cp.Phases[i]
		}
	}
	return nil
}

// set replaces (or adds) a phase's record, keeping phase order.
func (cp *Checkpoint) set(rec PhaseRecord) {
	if r := cp.record(rec.Name); r != nil {
		*r = rec
		return
	}
	cp.Phases = append(cp.Phases, rec)
	slices.SortFunc(cp.Phases, func(a, b PhaseRecord) int {
		return slices.Index(Phases, a.Name) - slices.Index(Phases, b.Name)
	})
}

// finished reports whether a phase completed (done or skipped).
func (cp *Checkpoint) finished(p Phase) bool {
	r := cp.record(p)
	return r != nil && (r.State == PhaseDone || r.State == PhaseSkipped)
}

// resumePhase is the first phase a re-run must execute (besides the alwaysRun ones).
func (cp *Checkpoint) resumePhase() Phase {
	for _, ps := range phaseList {
		if p := ps.phase; !ps.alwaysRun && !cp.finished(p) {
			if p == PhaseApply {
				return PhasePlan
			}
			return p
		}
	}
	return PhaseReport
}

// configDigest identifies a configuration, to notice when a re-run uses a different one.
func configDigest(cfg *Config) string {
	data, _ := json.Marshal(cfg)
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])
}

// writeFileAtomic writes a private file (0600) through a rename, so a crash never leaves
// half a checkpoint or kubeconfig.
func writeFileAtomic(path string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

package plugin

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/openova-io/core/lifecycle"
)

// credentialsCheckTimeout bounds the check that the kubeconfig reaches its API server.
const credentialsCheckTimeout = 15 * time.Second

// RegionSetCredentialsOptions are the options of kubectl openova region set-credentials.
type RegionSetCredentialsOptions struct {
	*GlobalOptions
	// Kubeconfig is the standby region's kubeconfig file (--kubeconfig of this command).
	Kubeconfig onceString
	// SkipCheck stores the kubeconfig without reaching its API server (--skip-check).
	SkipCheck      bool
	DryRun         bool
	ForceConflicts bool

	region string
}

// onceString is a string flag that may be given once: set-credentials' --kubeconfig
// shadows kubectl's global one, and a second --kubeconfig (meant for the primary's
// cluster) must not silently replace the first.
type onceString struct {
	value string
	set   bool
}

func (s *onceString) String() string { return s.value }

func (s *onceString) Type() string { return "string" }

func (s *onceString) Set(v string) error {
	if s.set {
		return fmt.Errorf("given twice: here --kubeconfig is the standby region's kubeconfig file; select the primary's cluster with $KUBECONFIG and --context")
	}
	s.value, s.set = v, true
	return nil
}

func newCmdRegionSetCredentials(g *GlobalOptions) *cobra.Command {
	o := &RegionSetCredentialsOptions{GlobalOptions: g}
	cmd := &cobra.Command{
		Use:   "set-credentials REGION --kubeconfig FILE",
		Short: "Store (or rotate) the kubeconfig the operator reaches a standby region with",
		Long: `Store the kubeconfig of a standby region in the Secret the Platform's spec.regions[].kubeConfig
names (key "value"; the Secret PLATFORM-REGION-kubeconfig in the Platform's namespace
when it names none), and point spec.regions[].kubeConfig at it. The operator and Flux's
helm-controller in the primary region reach the standby with it.

The file must hold exactly one context and be self-contained (inline certificates and a
token or client certificate; no exec or auth-provider plugins): write one with
kubectl config view --minify --flatten --context NAME. Unless --skip-check, the command
first asks the standby's API server for its version and who the credential is.

Here --kubeconfig names the standby's file; the command writes to the primary region's
cluster as $KUBECONFIG and --context select it.`,
		Example: `  # Rotate the standby's credential
  kubectl config view --minify --flatten --context hel1 > hel1.yaml
  kubectl openova region set-credentials hel1 --kubeconfig hel1.yaml

  # Store it while the standby is down
  kubectl openova region set-credentials hel1 --kubeconfig hel1.yaml --skip-check`,
		Args: cobra.ExactArgs(1),
		RunE: runCommand(o),
	}
	f := cmd.Flags()
	f.Var(&o.Kubeconfig, "kubeconfig", "the standby region's kubeconfig file (one context, self-contained)")
	f.BoolVar(&o.SkipCheck, "skip-check", false, "store the kubeconfig without checking that it reaches its API server")
	f.BoolVar(&o.DryRun, "dry-run", false, "check the kubeconfig and have the API server validate the writes, changing nothing")
	f.BoolVar(&o.ForceConflicts, "force-conflicts", false, "take over spec.regions fields another field manager owns")
	return cmd
}

// Complete reads the region.
func (o *RegionSetCredentialsOptions) Complete(args []string) error {
	o.region = args[0]
	return nil
}

// Validate checks the flags.
func (o *RegionSetCredentialsOptions) Validate() error {
	if o.Kubeconfig.value == "" {
		return Errorf(ExitInvalidInput, "--kubeconfig FILE is required: the standby region's kubeconfig")
	}
	return nil
}

// Run checks the kubeconfig, then writes the Secret and spec.regions[].kubeConfig.
func (o *RegionSetCredentialsOptions) Run(ctx context.Context) error {
	data, err := os.ReadFile(o.Kubeconfig.value)
	if err != nil {
		return Errorf(ExitInvalidInput, "read --kubeconfig: %w", err)
	}
	info, err := lifecycle.CheckKubeconfig(ctx, data, !o.SkipCheck, credentialsCheckTimeout)
	if err != nil {
		var input *lifecycle.InputError
		if errors.As(err, &input) {
			return WithCode(ExitInvalidInput, fmt.Errorf("%s: %w", o.Kubeconfig.value, err))
		}
		return WithCode(ExitFailure, err)
	}
	switch {
	case o.SkipCheck:
		fmt.Fprintf(o.ErrOut, "◎ %s: context %s, API server %s (not checked: --skip-check)\n", o.Kubeconfig.value, info.Context, info.Server)
	default:
		who := ""
		if info.User != "" {
			who = ", authenticated as " + info.User
		}
		fmt.Fprintf(o.ErrOut, "✔ %s reaches %s (Kubernetes %s%s)\n", o.Kubeconfig.value, info.Server, info.Version, who)
	}
	c, err := o.Client()
	if err != nil {
		return err
	}
	p, err := lifecycle.FindPlatform(ctx, c, o.selector())
	if err != nil {
		return err
	}
	res, err := lifecycle.SetRegionCredentials(ctx, c, p, lifecycle.RegionCredentials{Region: o.region, Kubeconfig: data, DryRun: o.DryRun, Force: o.ForceConflicts})
	if err != nil {
		return err
	}
	if o.DryRun {
		fmt.Fprintf(o.ErrOut, "Dry run: the API server accepted Secret %s (key %s) and the change to platform %s; nothing was written.\n", res.Secret, res.Key, p.Name)
		return nil
	}
	fmt.Fprintf(o.ErrOut, "✔ Secret %s written (key %s)\n", res.Secret, res.Key)
	if res.PlatformChanged {
		fmt.Fprintf(o.ErrOut, "✔ Platform %s: region %s reaches its cluster with it (generation %d)\n", p.Name, o.region, res.Platform.Generation)
	} else {
		fmt.Fprintf(o.ErrOut, "  Platform %s: region %s names that Secret already; the operator reads the new kubeconfig at its next reconcile\n", p.Name, o.region)
	}
	return nil
}

package plugin

import (
	"context"
	"fmt"
	"io"
	"net"
	"os"

	"github.com/go-logr/logr"
	"github.com/spf13/cobra"
	ctrllog "sigs.k8s.io/controller-runtime/pkg/log"

	"github.com/openova-io/core/bootstrap"
	"github.com/openova-io/core/bootstrapweb"
	"github.com/openova-io/core/internal/version"
)

// webOptions are the flags of kubectl openova bootstrap --web.
type webOptions struct {
	// Web serves the wizard in the browser (--web).
	Web bool
	// Address and Port to listen on (--address, --port); loopback and a free port by default.
	Address string
	Port    int
	// NoBrowser only prints the URL (--no-browser).
	NoBrowser bool

	// openBrowser opens a URL (tests replace it).
	openBrowser func(url string) error
}

func (o *BootstrapOptions) addWebFlags(cmd *cobra.Command) {
	o.web.Address, o.web.openBrowser = "127.0.0.1", openBrowser
	fs := cmd.Flags()
	fs.BoolVar(&o.web.Web, "web", false, "serve the wizard in the browser, on this machine (credentials stay here)")
	fs.StringVar(&o.web.Address, "address", o.web.Address, "with --web: IP address to listen on; anything but loopback lets other machines reach the wizard")
	fs.IntVar(&o.web.Port, "port", 0, "with --web: port to listen on (0: a free one)")
	fs.BoolVar(&o.web.NoBrowser, "no-browser", false, "with --web: print the URL without opening a browser")
}

// validateWeb checks the --web flags.
func (o *BootstrapOptions) validateWeb() error {
	w := &o.web
	if !w.Web {
		if w.Port != 0 || w.NoBrowser || (w.Address != "" && w.Address != "127.0.0.1") {
			return Errorf(ExitInvalidInput, "--address, --port and --no-browser go with --web")
		}
		return nil
	}
	if o.DryRun {
		return Errorf(ExitInvalidInput, "--dry-run does not go with --web: the wizard's Review step has Plan")
	}
	if w.Port < 0 || w.Port > 65535 {
		return Errorf(ExitInvalidInput, "--port must be between 0 and 65535, not %d", w.Port)
	}
	if w.Address != "localhost" && net.ParseIP(w.Address) == nil {
		return Errorf(ExitInvalidInput, "--address must be an IP address (such as 127.0.0.1), not %q", w.Address)
	}
	return nil
}

// runWeb serves the bootstrap wizard in the browser until ctx ends (Ctrl-C): the file and
// flags pre-fill it; Plan and Create run bootstrap.Run as the terminal does.
func (o *BootstrapOptions) runWeb(ctx context.Context) error {
	// The Kubernetes phases' clients log through controller-runtime; the page shows
	// bootstrap's own output.
	ctrllog.SetLogger(logr.Discard())
	cat, err := o.LoadCatalog(ctx)
	if err != nil {
		return err
	}
	if o.Flags.Kubeconfig == "" && o.ConfigFlags.KubeConfig != nil {
		o.Flags.Kubeconfig = *o.ConfigFlags.KubeConfig
	}
	draft, err := bootstrap.DraftConfig(o.ConfigFile, &o.Flags)
	if err != nil {
		return WithCode(ExitInvalidInput, err)
	}
	run := func(ctx context.Context, cfg *bootstrap.Config, creds *bootstrap.Credentials, dryRun bool, out io.Writer) (*bootstrap.Result, error) {
		set, err := bootstrap.ComponentSet(cat, cfg)
		if err != nil {
			return nil, err
		}
		return bootstrap.Run(ctx, bootstrap.Options{
			Config: cfg, Credentials: creds, TerraformPath: o.TerraformPath, BinDir: o.BinDir, DryRun: dryRun, Out: out,
			Kubernetes: &bootstrap.Kubernetes{
				Catalog: cat, CatalogSource: o.Catalog, Components: set,
				OperatorVersion: version.Version, WaitTimeout: o.WaitTimeout, SkipWait: o.SkipWait,
			},
		})
	}
	srv, err := bootstrapweb.Listen(bootstrapweb.Options{Address: o.web.Address, Port: o.web.Port, Catalog: cat, Defaults: draft,
		Lookup: os.LookupEnv, Bootstrap: run, Log: o.ErrOut})
	if err != nil {
		return WithCode(ExitFailure, err)
	}
	if !srv.Loopback() {
		fmt.Fprintf(o.ErrOut, "Warning: the wizard listens on %s, which other machines may reach; whoever has the URL below can create infrastructure with the credentials typed into it.\n", srv.Addr())
	}
	fmt.Fprintf(o.ErrOut, "Bootstrap wizard: %s\n", srv.URL())
	fmt.Fprintln(o.ErrOut, "The URL carries a secret token for this run; keep it to yourself. Press Ctrl-C to stop (a running bootstrap is interrupted gracefully and can be resumed).")
	if !o.web.NoBrowser && hasDesktop() {
		if err := o.web.openBrowser(srv.URL()); err != nil {
			fmt.Fprintf(o.ErrOut, "Could not open a browser (%v): open the URL above.\n", err)
		}
	}
	ctx, stop := bootstrap.NotifyContext(ctx, o.ErrOut)
	defer stop()
	if err := srv.Serve(ctx); err != nil {
		return WithCode(ExitFailure, err)
	}
	fmt.Fprintln(o.ErrOut, "Bootstrap wizard stopped.")
	return nil
}

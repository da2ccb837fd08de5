package plugin

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"runtime"
	"time"

	"github.com/spf13/cobra"

	"github.com/openova-io/core/dashboard"
)

// DashboardOptions are the options of kubectl openova dashboard.
type DashboardOptions struct {
	*GlobalOptions
	// Address is the IP address to listen on (--address); loopback by default.
	Address string
	// Port is the port to listen on (--port); a free one when 0.
	Port int
	// NoBrowser only prints the URL (--no-browser).
	NoBrowser bool

	// openBrowser opens a URL in the user's browser (tests replace it).
	openBrowser func(url string) error
	// ready, when set, is called with the URL once the dashboard serves (tests).
	ready func(url string)
}

// NewCmdDashboard returns the dashboard command.
func NewCmdDashboard(g *GlobalOptions) *cobra.Command {
	o := &DashboardOptions{GlobalOptions: g, Address: "127.0.0.1", openBrowser: openBrowser}
	cmd := &cobra.Command{
		Use:   "dashboard",
		Short: "Open the platform's dashboard in the browser",
		Long: `Serve the platform's dashboard on this machine and open it in the browser: health,
components (with an install dialog that shows the plan first), upgrades with their
changelogs, and settings. It acts with your kubeconfig credentials, through the same
planning and server-side apply as the other commands; nothing runs in the cluster.

The dashboard listens on 127.0.0.1 on a free port and prints its URL on stderr with a
secret token for this run: only a browser that opened that URL gets in. The pages update
by themselves from one watch of the Platform and its Components. Ctrl-C stops it.`,
		Example: `  kubectl openova dashboard

  # A fixed port, without opening a browser (over SSH: ssh -L 8080:127.0.0.1:8080)
  kubectl openova dashboard --port 8080 --no-browser`,
		Args: cobra.NoArgs,
		RunE: runCommand(o),
	}
	f := cmd.Flags()
	f.StringVar(&o.Address, "address", o.Address, "IP address to listen on; anything but loopback lets other machines reach the dashboard")
	f.IntVar(&o.Port, "port", 0, "port to listen on (0: a free one)")
	f.BoolVar(&o.NoBrowser, "no-browser", false, "print the URL without opening a browser")
	return cmd
}

// Complete opens no browser when there is no desktop to show it on.
func (o *DashboardOptions) Complete([]string) error {
	if !hasDesktop() {
		o.NoBrowser = true
	}
	return nil
}

// Validate checks the flags.
func (o *DashboardOptions) Validate() error {
	if o.Port < 0 || o.Port > 65535 {
		return Errorf(ExitInvalidInput, "--port must be between 0 and 65535, not %d", o.Port)
	}
	if o.Address != "localhost" && net.ParseIP(o.Address) == nil {
		return Errorf(ExitInvalidInput, "--address must be an IP address (such as 127.0.0.1), not %q", o.Address)
	}
	return nil
}

// Run starts the watch and the server, prints the URL, opens the browser and serves until
// ctx ends (Ctrl-C).
func (o *DashboardOptions) Run(ctx context.Context) error {
	cfg, err := o.RESTConfig()
	if err != nil {
		return err
	}
	c, err := o.Client()
	if err != nil {
		return err
	}
	p, err := o.FindPlatform(ctx, c)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	w, err := dashboard.NewWatch(dashboard.WatchOptions{Config: cfg, Namespace: p.Namespace, Platform: p.Name})
	if err != nil {
		return WithCode(ExitFailure, err)
	}
	if err := w.Start(ctx, time.Minute); err != nil {
		return ClusterError(err)
	}
	srv, err := dashboard.Listen(dashboard.Options{Address: o.Address, Port: o.Port, Watch: w, Client: c,
		Catalog: o.Catalog, Context: o.contextName()})
	if err != nil {
		return WithCode(ExitFailure, err)
	}
	if w := offLoopbackWarning(srv.TCPAddr(), p.Name); w != "" {
		fmt.Fprintln(o.ErrOut, w)
	}
	fmt.Fprintf(o.ErrOut, "Dashboard of platform %s: %s\n", p.Name, srv.URL())
	fmt.Fprintln(o.ErrOut, "The URL carries a secret token for this run; keep it to yourself. Press Ctrl-C to stop.")
	if o.ready != nil {
		o.ready(srv.URL())
	}
	if !o.NoBrowser {
		if err := o.openBrowser(srv.URL()); err != nil {
			fmt.Fprintf(o.ErrOut, "Could not open a browser (%v): open the URL above.\n", err)
		}
	}
	if err := srv.Serve(ctx); err != nil {
		return WithCode(ExitFailure, err)
	}
	fmt.Fprintln(o.ErrOut, "Dashboard stopped.")
	return nil
}

// offLoopbackWarning is the warning printed when the dashboard listens on addr, empty on
// loopback.
func offLoopbackWarning(addr *net.TCPAddr, platform string) string {
	if addr.IP.IsLoopback() {
		return ""
	}
	return fmt.Sprintf("Warning: the dashboard listens on %s, which other machines may reach; whoever has the URL below acts on platform %s with your credentials.", addr, platform)
}

// contextName is the kubeconfig context in use (its name only: nothing of its credentials).
func (o *DashboardOptions) contextName() string {
	if o.ConfigFlags.Context != nil && *o.ConfigFlags.Context != "" {
		return *o.ConfigFlags.Context
	}
	raw, err := o.ConfigFlags.ToRawKubeConfigLoader().RawConfig()
	if err != nil {
		return ""
	}
	return raw.CurrentContext
}

// hasDesktop reports whether a browser could show a window: always on macOS and Windows,
// with a display server elsewhere.
func hasDesktop() bool {
	switch runtime.GOOS {
	case "darwin", "windows":
		return true
	}
	return os.Getenv("DISPLAY") != "" || os.Getenv("WAYLAND_DISPLAY") != ""
}

// openBrowser opens url with the desktop's opener, without waiting for the browser.
func openBrowser(url string) error {
	var cmd *exec.Cmd
	switch runtime.GOOS {
	case "darwin":
		cmd = exec.Command("open", url)
	case "windows":
		cmd = exec.Command("rundll32", "url.dll,FileProtocolHandler", url)
	default:
		cmd = exec.Command("xdg-open", url)
	}
	if err := cmd.Start(); err != nil {
		return err
	}
	go func() { _ = cmd.Wait() }()
	return nil
}

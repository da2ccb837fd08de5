// Command demo runs the README's main job on this machine: kubectl openova bootstrap with
// the local provider (a kwok cluster), Flux and the operator as local processes (their
// in-cluster Deployments cannot run containers on kwok's fake nodes), a demo catalog whose
// charts are small stand-ins named after the real components, served on loopback, then
// install ai-hub --with neo4j, status, a catalog release, upgrade --dry-run, the operator's
// update check (upgrade --refresh) and status again. It keeps everything running
// until Ctrl-C (or make demo-down), then stops it all and destroys the cluster.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/openova-io/core/test/chartserver"
	"github.com/openova-io/core/test/cluster"
)

type demo struct {
	bin, work, config string
	exitAfter         bool
	repo              *chartserver.Server
	procs             []*cluster.Process
	kubeconfig        string
}

func main() {
	d := &demo{}
	var down bool
	flag.StringVar(&d.bin, "bin", "bin", "folder with kubectl-openova, openova-operator and the local cluster's binaries")
	flag.StringVar(&d.work, "work", ".work/demo", "work folder of the demo (bootstrap's work directory, logs)")
	flag.StringVar(&d.config, "config", "hack/demo/config.yaml", "bootstrap configuration of the demo platform")
	flag.BoolVar(&d.exitAfter, "exit-after", false, "tear everything down after the show instead of waiting for Ctrl-C (CI)")
	flag.BoolVar(&down, "down", false, "stop a running demo and remove what it left behind")
	flag.Parse()
	var err error
	if d.bin, err = filepath.Abs(d.bin); err == nil {
		d.work, err = filepath.Abs(d.work)
	}
	if err == nil {
		if down {
			err = d.down()
		} else {
			err = d.run()
		}
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "demo:", err)
		os.Exit(1)
	}
}

func (d *demo) run() (err error) {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := os.MkdirAll(d.work, 0o755); err != nil {
		return err
	}
	if err := os.WriteFile(d.pidFile(), []byte(strconv.Itoa(os.Getpid())), 0o644); err != nil {
		return err
	}
	os.Setenv("OPENOVA_BIN_DIR", d.bin)
	defer func() {
		if terr := d.teardown(); terr != nil && err == nil {
			err = terr
		}
	}()

	step("serving the demo catalog and its stand-in charts on loopback")
	if err := d.serveCatalog(false); err != nil {
		return err
	}
	catalogURL := d.repo.URL + "/catalog.yaml"
	fmt.Printf("    catalog: %s\n", catalogURL)

	step("kubectl openova bootstrap --provider local (Terraform creates a kwok cluster)")
	if err := d.openova(ctx, "bootstrap", "-f", d.config, "--work-dir", d.work, "--bin-dir", d.bin, "--catalog", catalogURL, "--yes"); err != nil {
		return err
	}
	d.kubeconfig = filepath.Join(d.work, "kubeconfig-dev.yaml")

	step("starting Flux (source- and helm-controller) and the openova operator as local processes")
	logs := filepath.Join(d.work, "logs")
	if err := os.MkdirAll(logs, 0o755); err != nil {
		return err
	}
	flux, _, err := cluster.StartFlux(d.kubeconfig, logs)
	d.procs = append(d.procs, flux...)
	if err != nil {
		return err
	}
	op, err := cluster.StartOperator(filepath.Join(d.bin, "openova-operator"), d.kubeconfig, logs, "openova-operator", "--catalog="+catalogURL)
	if err != nil {
		return err
	}
	d.procs = append(d.procs, op)
	if err := d.savePids(); err != nil {
		return err
	}
	fmt.Printf("    logs: %s\n", logs)

	show := [][]string{
		{"install", "ai-hub", "--with", "neo4j", "--yes", "--wait", "--timeout", "10m"},
		{"status"},
	}
	for _, args := range show {
		step("kubectl openova " + strings.Join(args, " "))
		if err := d.openova(ctx, append(args, "--catalog", catalogURL)...); err != nil {
			return err
		}
	}

	step("a catalog release arrives: newer grafana, cilium, cert-manager and ai-hub")
	if err := d.serveCatalog(true); err != nil {
		return err
	}
	step("kubectl openova upgrade --dry-run")
	if err := d.openova(ctx, "upgrade", "--dry-run", "--catalog", catalogURL); err != nil {
		return err
	}
	// The operator read the catalog before the release: it sees the release on its next
	// update check (checkInterval, a change of the Platform, or a refresh). Ask for it now,
	// so status reports the upgrades the CLI just listed.
	for _, args := range [][]string{{"upgrade", "--refresh", "--wait"}, {"status"}} {
		step("kubectl openova " + strings.Join(args, " "))
		if err := d.openova(ctx, append(args, "--catalog", catalogURL)...); err != nil {
			return err
		}
	}

	if d.exitAfter {
		return nil
	}
	fmt.Printf(`
The platform runs. In another terminal:

  export KUBECONFIG=%s PATH=%s:$PATH
  kubectl openova status
  kubectl openova components --all --catalog %s
  kubectl openova upgrade grafana --catalog %s

Press Ctrl-C here (or run make demo-down) to stop everything and delete the cluster.
`, d.kubeconfig, d.bin, catalogURL, catalogURL)
	<-ctx.Done()
	return nil
}

// serveCatalog publishes the demo catalog (before or after the "release") and its charts.
func (d *demo) serveCatalog(release bool) error {
	if d.repo == nil {
		var err error
		if d.repo, err = chartserver.Serve(); err != nil {
			return err
		}
	}
	data, charts, err := demoCatalog(d.repo.URL, release)
	if err != nil {
		return err
	}
	if err := d.repo.Add(charts...); err != nil {
		return err
	}
	d.repo.SetFile("catalog.yaml", data)
	return nil
}

// openova runs kubectl openova through the real kubectl, the plugin found on PATH.
func (d *demo) openova(ctx context.Context, args ...string) error {
	cmd := exec.CommandContext(ctx, "kubectl", append([]string{"openova"}, args...)...)
	cmd.Env = append(os.Environ(), "PATH="+d.bin+string(os.PathListSeparator)+os.Getenv("PATH"))
	if d.kubeconfig != "" {
		cmd.Env = append(cmd.Env, "KUBECONFIG="+d.kubeconfig)
	}
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	cmd.Cancel = func() error { return cmd.Process.Signal(os.Interrupt) }
	cmd.WaitDelay = time.Minute
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("kubectl openova %s: %w", strings.Join(args, " "), err)
	}
	return nil
}

// teardown stops the processes, destroys the cluster and stops the chart server.
func (d *demo) teardown() error {
	step("stopping everything and destroying the cluster")
	for _, p := range d.procs {
		_ = p.Stop(10 * time.Second)
	}
	err := d.destroy()
	if d.repo != nil {
		d.repo.Close()
	}
	_ = os.Remove(d.pidFile())
	_ = os.Remove(filepath.Join(d.work, "pids"))
	return err
}

func (d *demo) destroy() error {
	if _, err := os.Stat(filepath.Join(d.work, "checkpoint.json")); errors.Is(err, os.ErrNotExist) {
		return nil
	}
	cmd := exec.Command(filepath.Join(d.bin, "kubectl-openova"), "bootstrap", "destroy", "--work-dir", d.work, "--organization", "demo", "--bin-dir", d.bin, "--yes")
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	return cmd.Run()
}

func (d *demo) pidFile() string { return filepath.Join(d.work, "demo.pid") }

// savePids records the local processes, so demo-down can stop them if the demo died.
func (d *demo) savePids() error {
	var pids []string
	for _, p := range d.procs {
		pids = append(pids, strconv.Itoa(p.Pid()))
	}
	return os.WriteFile(filepath.Join(d.work, "pids"), []byte(strings.Join(pids, "\n")), 0o644)
}

// down stops a running demo (SIGINT, it cleans up itself) or cleans up after a dead one.
func (d *demo) down() error {
	if data, err := os.ReadFile(d.pidFile()); err == nil {
		if pid, err := strconv.Atoi(strings.TrimSpace(string(data))); err == nil && syscall.Kill(pid, 0) == nil {
			fmt.Println("stopping the running demo (pid", pid, ")")
			_ = syscall.Kill(pid, syscall.SIGINT)
			for range 120 {
				if syscall.Kill(pid, 0) != nil {
					return nil
				}
				time.Sleep(time.Second)
			}
			return fmt.Errorf("the demo (pid %d) did not stop within two minutes", pid)
		}
	}
	if data, err := os.ReadFile(filepath.Join(d.work, "pids")); err == nil {
		for _, s := range strings.Fields(string(data)) {
			if pid, err := strconv.Atoi(s); err == nil {
				_ = syscall.Kill(pid, syscall.SIGTERM)
			}
		}
	}
	err := d.destroy()
	_ = os.Remove(d.pidFile())
	_ = os.Remove(filepath.Join(d.work, "pids"))
	return err
}

func step(msg string) { fmt.Printf("\n==> %s\n", msg) }

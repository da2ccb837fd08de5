package bootstrap

import (
	"context"
	"fmt"
	"slices"
	"strings"
)

// The kind provider's phases. kind is not a Terraform module: validate finds the container
// runtime and makes sure the node image is there, plan lists the clusters, apply creates
// the missing ones, outputs writes each region's kubeconfig to the work directory; the
// Kubernetes phases after that are the same as for every provider.

// kindDriver returns the run's KindDriver, creating it on first use.
func (r *runner) kindDriver() (KindDriver, error) {
	if r.kind != nil {
		return r.kind, nil
	}
	newDriver := r.opts.NewKind
	if newDriver == nil {
		newDriver = NewKindDriver
	}
	d, err := newDriver(r.out)
	if err != nil {
		return nil, err
	}
	r.kind = d
	return d, nil
}

// kindValidate fails fast when the clusters cannot be created: no container runtime, or
// no node image and no way to pull it. A dry run only looks; a real run pulls the image.
func (r *runner) kindValidate(ctx context.Context) error {
	d, err := r.kindDriver()
	if err != nil {
		return err
	}
	r.printf("    kind %s with %s, node image %s", KindVersion, d.Runtime(), KindNodeImage)
	present, err := d.ImagePresent(ctx, KindNodeImage)
	if err != nil {
		return fmt.Errorf("provider kind: %w", err)
	}
	if present {
		return nil
	}
	if r.opts.DryRun {
		r.printf("    the node image is not in %s's image store yet: the bootstrap pulls it", d.Runtime())
		return nil
	}
	existing, err := listKind(d)
	if err != nil {
		return err
	}
	if r.kindMissing(existing) == nil {
		return nil // every cluster exists already: no image needed
	}
	r.printf("    pulling %s with %s", KindNodeImage, d.Runtime())
	if err := d.PullImage(ctx, KindNodeImage); err != nil {
		return fmt.Errorf("provider kind: the node image %s (the default of kind %s) is not in %s's image store and pulling it failed: %w; "+
			"pull it where the registry is reachable and load it here (%s save / %s load), then run the bootstrap again",
			KindNodeImage, KindVersion, d.Runtime(), err, d.Runtime(), d.Runtime())
	}
	return nil
}

// kindMissing returns the regions whose cluster is not among existing.
func (r *runner) kindMissing(existing []string) []Region {
	var missing []Region
	for _, reg := range r.cfg.Regions {
		if !slices.Contains(existing, KindClusterName(r.cfg.Organization.Name, reg.Name)) {
			missing = append(missing, reg)
		}
	}
	return missing
}

// kindPlan lists what apply would do: one cluster per region, created unless it exists.
func (r *runner) kindPlan(context.Context) error {
	_, existing, err := r.kindClusters()
	if err != nil {
		return err
	}
	var b strings.Builder
	plan := &PlanResult{}
	for _, reg := range r.cfg.Regions {
		c := KindClusterConfig(r.cfg, reg)
		if slices.Contains(existing, c.Name) {
			fmt.Fprintf(&b, "  = kind cluster %s (region %s, %s): exists\n", c.Name, reg.Name, reg.Role)
			continue
		}
		plan.Changes = true
		fmt.Fprintf(&b, "  + kind cluster %s (region %s, %s): %d node(s) of %s, API server on %s\n",
			c.Name, reg.Name, reg.Role, len(c.Nodes), KindNodeImage, c.Networking.APIServerAddress)
	}
	plan.Text = b.String()
	r.plan = plan
	r.printf("%s", strings.TrimSuffix(plan.Text, "\n"))
	return nil
}

// kindApply creates the cluster of every region that has none yet.
func (r *runner) kindApply(context.Context) error {
	d, existing, err := r.kindClusters()
	if err != nil {
		return err
	}
	for _, reg := range r.kindMissing(existing) {
		c := KindClusterConfig(r.cfg, reg)
		r.printf("    creating kind cluster %s for region %s", c.Name, reg.Name)
		if err := d.Create(c.Name, c, KubeconfigPath(r.cfg.WorkDir, reg.Name)); err != nil {
			return fmt.Errorf("region %s: create kind cluster %s: %w", reg.Name, c.Name, err)
		}
	}
	return nil
}

// kindOutputs writes each region's kubeconfig (mode 0600) and describes its cluster.
func (r *runner) kindOutputs(context.Context) (*Outputs, error) {
	d, err := r.kindDriver()
	if err != nil {
		return nil, err
	}
	out := &Outputs{}
	for _, reg := range r.cfg.Regions {
		name := KindClusterName(r.cfg.Organization.Name, reg.Name)
		data, err := d.KubeConfig(name)
		if err != nil {
			return nil, fmt.Errorf("region %s: kubeconfig of kind cluster %s: %w", reg.Name, name, err)
		}
		path := KubeconfigPath(r.cfg.WorkDir, reg.Name)
		if err := writeFileAtomic(path, []byte(data)); err != nil {
			return nil, fmt.Errorf("write kubeconfig of region %q: %w", reg.Name, err)
		}
		kc, err := parseKubeconfig([]byte(data))
		if err != nil {
			return nil, fmt.Errorf("kubeconfig of region %q: %w", reg.Name, err)
		}
		server, _, _ := kc.server(kc.CurrentContext)
		cl := ClusterOutput{Region: reg.Name, Role: reg.Role, Name: name, APIEndpoint: server, Kubeconfig: path, Context: kc.CurrentContext}
		if reg.Role == RoleStandby {
			// The primary's pods reach the standby on kind's network, not on this machine's
			// loopback, where its kubeconfig points.
			if cl.RemoteEndpoint, err = d.InternalServer(name); err != nil {
				return nil, fmt.Errorf("region %s: in-network address of kind cluster %s: %w", reg.Name, name, err)
			}
		}
		out.Clusters = append(out.Clusters, cl)
	}
	return out, nil
}

// kindDestroy deletes every region's kind cluster that exists.
func (r *runner) kindDestroy(context.Context) error {
	d, existing, err := r.kindClusters()
	if err != nil {
		return err
	}
	for _, reg := range r.cfg.Regions {
		name := KindClusterName(r.cfg.Organization.Name, reg.Name)
		if !slices.Contains(existing, name) {
			r.printf("    kind cluster %s (region %s) does not exist", name, reg.Name)
			continue
		}
		r.printf("    deleting kind cluster %s (region %s)", name, reg.Name)
		if err := d.Delete(name, KubeconfigPath(r.cfg.WorkDir, reg.Name)); err != nil {
			return fmt.Errorf("region %s: delete kind cluster %s: %w", reg.Name, name, err)
		}
	}
	return nil
}

// kindClusters returns the kind driver and the clusters that exist.
func (r *runner) kindClusters() (KindDriver, []string, error) {
	d, err := r.kindDriver()
	if err != nil {
		return nil, nil, err
	}
	existing, err := listKind(d)
	return d, existing, err
}

func listKind(d KindDriver) ([]string, error) {
	existing, err := d.List()
	if err != nil {
		return nil, fmt.Errorf("provider kind: list clusters: %w", err)
	}
	return existing, nil
}

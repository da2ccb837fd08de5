package catalog

import "slices"

// The fields of a component document, as fastDecode reads them: every field of
// componentShape, each with the type the shape gives it; an unknown field fails.

func (p *fastParser) componentField(fc *fileComponent, key string, ind int, rest string) bool {
	switch key {
	case "apiVersion":
		return p.str(ind, rest, &fc.APIVersion)
	case "kind":
		return p.str(ind, rest, &fc.Kind)
	case "name":
		return p.str(ind, rest, &fc.Name)
	case "displayName":
		return p.str(ind, rest, &fc.DisplayName)
	case "category":
		return p.str(ind, rest, &fc.Category)
	case "description":
		return p.str(ind, rest, &fc.Description)
	case "namespace":
		return p.str(ind, rest, &fc.Namespace)
	case "delivery":
		return p.str(ind, rest, &fc.Delivery)
	case "placement":
		return p.str(ind, rest, &fc.Placement)
	case "chart":
		return p.chart(ind, rest, &fc.Chart)
	case "workloads":
		return p.seq(ind, rest, func(ci, _ int) bool {
			var w Workload
			ok := p.mapItem(ci, func(k string, ki int, r string) bool {
				switch k {
				case "kind":
					return p.str(ki, r, &w.Kind)
				case "name":
					return p.str(ki, r, &w.Name)
				}
				return false
			})
			fc.Workloads = append(fc.Workloads, w)
			return ok
		})
	case "endpoints":
		return p.seq(ind, rest, func(_, parent int) bool { return p.strItem(parent, &fc.Endpoints) })
	case "services":
		ci, ok := p.nested(ind, rest, false)
		if !ok {
			return false
		}
		fc.Services = map[string]string{}
		p.mapping(ci, func(k string, ki int, r string) bool {
			var v string
			ok := p.str(ki, r, &v)
			fc.Services[k] = v
			return ok
		})
		return !p.bad
	case "upgrade":
		ci, ok := p.nested(ind, rest, false)
		if !ok {
			return false
		}
		p.mapping(ci, func(k string, ki int, r string) bool {
			return k == "timeout" && p.str(ki, r, &fc.Upgrade.Timeout)
		})
		return !p.bad
	case "versions":
		// Read into the parser's buffer and copy out once: a Version is large, and
		// growing each component's slice item by item cost half of a big catalog's bytes.
		p.versions = p.versions[:0]
		ok := p.seq(ind, rest, func(ci, _ int) bool {
			p.versions = append(p.versions, Version{})
			v := &p.versions[len(p.versions)-1]
			return p.mapItem(ci, func(k string, ki int, r string) bool { return p.versionField(v, k, ki, r) })
		})
		fc.Versions = slices.Clone(p.versions)
		clear(p.versions)
		return ok
	}
	return false
}

func (p *fastParser) chart(ind int, rest string, ch *Chart) bool {
	ci, ok := p.nested(ind, rest, false)
	if !ok {
		return false
	}
	p.mapping(ci, func(k string, ki int, r string) bool {
		switch k {
		case "repository":
			return p.str(ki, r, &ch.Repository)
		case "name":
			return p.str(ki, r, &ch.Name)
		}
		return false
	})
	return !p.bad
}

func (p *fastParser) versionField(v *Version, key string, ind int, rest string) bool {
	switch key {
	case "version":
		return p.str(ind, rest, &v.Version)
	case "chartVersion":
		return p.str(ind, rest, &v.ChartVersion)
	case "appVersion":
		return p.str(ind, rest, &v.AppVersion)
	case "released":
		return p.str(ind, rest, &v.Released)
	case "changelog":
		return p.str(ind, rest, &v.Changelog)
	case "values":
		return p.str(ind, rest, &v.Values)
	case "parts":
		return p.seq(ind, rest, func(ci, _ int) bool {
			v.Parts = append(v.Parts, Part{})
			pt := &v.Parts[len(v.Parts)-1]
			return p.mapItem(ci, func(k string, ki int, r string) bool {
				switch k {
				case "name":
					return p.str(ki, r, &pt.Name)
				case "chart":
					return p.chart(ki, r, &pt.Chart)
				case "chartVersion":
					return p.str(ki, r, &pt.ChartVersion)
				case "values":
					return p.str(ki, r, &pt.Values)
				case "resources":
					return p.str(ki, r, &pt.Resources)
				}
				return false
			})
		})
	case "requires":
		return p.seq(ind, rest, func(ci, _ int) bool {
			v.Requires = append(v.Requires, Requirement{})
			r := &v.Requires[len(v.Requires)-1]
			return p.mapItem(ci, func(k string, ki int, rs string) bool {
				switch k {
				case "name":
					return p.str(ki, rs, &r.Name)
				case "constraint":
					return p.str(ki, rs, &r.Constraint)
				}
				return false
			})
		})
	case "optional":
		return p.seq(ind, rest, func(ci, _ int) bool {
			v.Optional = append(v.Optional, Optional{})
			o := &v.Optional[len(v.Optional)-1]
			return p.mapItem(ci, func(k string, ki int, rs string) bool {
				switch k {
				case "name":
					return p.str(ki, rs, &o.Name)
				case "constraint":
					return p.str(ki, rs, &o.Constraint)
				case "description":
					return p.str(ki, rs, &o.Description)
				}
				return false
			})
		})
	}
	return false
}

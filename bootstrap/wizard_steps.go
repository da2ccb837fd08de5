package bootstrap

import (
	"fmt"
	"slices"
	"strings"

	huh "charm.land/huh/v2"
)

// given says which answers the wizard's defaults (the configuration file and flags,
// applied and defaulted) hold already, valid: the wizard does not ask for them. A value
// that is there but invalid is asked for, pre-filled.
type given struct {
	organization, domain, provider, regions, sshKey, components bool
}

func givenAnswers(a *wizardAnswers) given {
	g := given{
		organization: a.Organization != "" && ValidateOrganizationName(a.Organization) == nil,
		domain:       a.Domain != "" && ValidateDomain(a.Domain) == nil,
		provider:     slices.Contains(Providers, Provider(a.Provider)),
		sshKey:       strings.TrimSpace(a.SSHKey) != "" && ValidateSSHKey(a.SSHKey) == nil,
		components:   len(a.Components) > 0,
	}
	n := 1
	if a.TwoRegions {
		n = 2
	}
	g.regions = a.RegionNames[0] != ""
	for i := range n {
		g.regions = g.regions && ValidateRegionName(a.RegionNames[i]) == nil
	}
	g.regions = g.regions && (n == 1 || a.RegionNames[0] != a.RegionNames[1])
	return g
}

// regionsStep asks for one or two regions and, with two, which one is primary.
func regionsStep(a *wizardAnswers, provider Provider, run func(...*huh.Group) error) error {
	suggestions := regionSuggestions[provider]
	if a.RegionNames[0] == "" {
		a.RegionNames[0] = suggestions[0]
	}
	if err := run(huh.NewGroup(
		huh.NewInput().Title("Region").Description("suggested: "+strings.Join(suggestions, ", ")).
			Suggestions(suggestions).Value(&a.RegionNames[0]).Validate(ValidateRegionName),
		huh.NewConfirm().Title("Add a standby region?").Description("a second region in the role standby, for disaster recovery").
			Value(&a.TwoRegions),
	)); err != nil {
		return err
	}
	if a.TwoRegions {
		if a.RegionNames[1] == "" && len(suggestions) > 1 {
			a.RegionNames[1] = suggestions[1]
		}
		first := a.RegionNames[0]
		if err := run(huh.NewGroup(
			huh.NewInput().Title("Second region").Suggestions(suggestions).Value(&a.RegionNames[1]).
				Validate(func(s string) error {
					if s == first {
						return fmt.Errorf("%q is the first region already", s)
					}
					return ValidateRegionName(s)
				}),
		)); err != nil {
			return err
		}
		if err := run(huh.NewGroup(
			huh.NewSelect[int]().Title("Which region is primary? The other one is standby.").
				Options(huh.NewOption(first, 0), huh.NewOption(a.RegionNames[1], 1)).Value(&a.Primary),
		)); err != nil {
			return err
		}
	} else {
		a.Primary = 0
	}
	return nil
}

// RegionSuggestions are the region names the wizards offer for a provider (its
// locations; any name the provider knows is accepted).
func RegionSuggestions(p Provider) []string { return slices.Clone(regionSuggestions[p]) }

// ProviderDescription says in a line what a provider is, for the wizards.
func ProviderDescription(p Provider) string { return providerDescriptions[p] }

// ProviderSettingsAsked are the provider settings the wizards ask for: those the
// provider's module cannot do without (compartment_ocid for oci).
func ProviderSettingsAsked(p Provider) []string { return slices.Clone(providerSettingsRequired[p]) }

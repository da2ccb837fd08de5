package main

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

// server implements tfprotov6.ProviderServer from a recorded schema.
type server struct {
	schema  *providerSchema
	answers map[string][]dataAnswer
}

var _ tfprotov6.ProviderServer = (*server)(nil)

func errorDiag(format string, args ...any) []*tfprotov6.Diagnostic {
	return []*tfprotov6.Diagnostic{{Severity: tfprotov6.DiagnosticSeverityError, Summary: fmt.Sprintf(format, args...)}}
}

func (s *server) GetMetadata(context.Context, *tfprotov6.GetMetadataRequest) (*tfprotov6.GetMetadataResponse, error) {
	resp := &tfprotov6.GetMetadataResponse{ServerCapabilities: &tfprotov6.ServerCapabilities{}}
	for _, name := range sortedKeys(s.schema.resources) {
		resp.Resources = append(resp.Resources, tfprotov6.ResourceMetadata{TypeName: name})
	}
	for _, name := range sortedKeys(s.schema.dataSources) {
		resp.DataSources = append(resp.DataSources, tfprotov6.DataSourceMetadata{TypeName: name})
	}
	return resp, nil
}

func (s *server) GetProviderSchema(context.Context, *tfprotov6.GetProviderSchemaRequest) (*tfprotov6.GetProviderSchemaResponse, error) {
	return &tfprotov6.GetProviderSchemaResponse{
		ServerCapabilities: &tfprotov6.ServerCapabilities{},
		Provider:           s.schema.provider,
		ResourceSchemas:    s.schema.resources,
		DataSourceSchemas:  s.schema.dataSources,
	}, nil
}

func (s *server) GetResourceIdentitySchemas(context.Context, *tfprotov6.GetResourceIdentitySchemasRequest) (*tfprotov6.GetResourceIdentitySchemasResponse, error) {
	return &tfprotov6.GetResourceIdentitySchemasResponse{}, nil
}

func (s *server) ValidateProviderConfig(_ context.Context, req *tfprotov6.ValidateProviderConfigRequest) (*tfprotov6.ValidateProviderConfigResponse, error) {
	return &tfprotov6.ValidateProviderConfigResponse{PreparedConfig: req.Config}, nil
}

func (s *server) ConfigureProvider(context.Context, *tfprotov6.ConfigureProviderRequest) (*tfprotov6.ConfigureProviderResponse, error) {
	return &tfprotov6.ConfigureProviderResponse{}, nil
}

func (s *server) StopProvider(context.Context, *tfprotov6.StopProviderRequest) (*tfprotov6.StopProviderResponse, error) {
	return &tfprotov6.StopProviderResponse{}, nil
}

func (s *server) ValidateResourceConfig(_ context.Context, req *tfprotov6.ValidateResourceConfigRequest) (*tfprotov6.ValidateResourceConfigResponse, error) {
	schema, ok := s.schema.resources[req.TypeName]
	if !ok {
		return &tfprotov6.ValidateResourceConfigResponse{Diagnostics: errorDiag("unknown resource type %s", req.TypeName)}, nil
	}
	return &tfprotov6.ValidateResourceConfigResponse{Diagnostics: deprecatedDiags(schema, req.TypeName, req.Config)}, nil
}

func (s *server) UpgradeResourceState(_ context.Context, req *tfprotov6.UpgradeResourceStateRequest) (*tfprotov6.UpgradeResourceStateResponse, error) {
	schema, ok := s.schema.resources[req.TypeName]
	if !ok {
		return &tfprotov6.UpgradeResourceStateResponse{Diagnostics: errorDiag("unknown resource type %s", req.TypeName)}, nil
	}
	typ := schema.ValueType()
	v, err := req.RawState.UnmarshalWithOpts(typ, tfprotov6.UnmarshalOpts{ValueFromJSONOpts: tftypes.ValueFromJSONOpts{IgnoreUndefinedAttributes: true}})
	if err != nil {
		return &tfprotov6.UpgradeResourceStateResponse{Diagnostics: errorDiag("read %s state: %s", req.TypeName, err)}, nil
	}
	dv, err := tfprotov6.NewDynamicValue(typ, v)
	if err != nil {
		return nil, err
	}
	return &tfprotov6.UpgradeResourceStateResponse{UpgradedState: &dv}, nil
}

func (s *server) ReadResource(_ context.Context, req *tfprotov6.ReadResourceRequest) (*tfprotov6.ReadResourceResponse, error) {
	return &tfprotov6.ReadResourceResponse{NewState: req.CurrentState, Private: req.Private}, nil
}

func (s *server) PlanResourceChange(_ context.Context, req *tfprotov6.PlanResourceChangeRequest) (*tfprotov6.PlanResourceChangeResponse, error) {
	schema, ok := s.schema.resources[req.TypeName]
	if !ok {
		return &tfprotov6.PlanResourceChangeResponse{Diagnostics: errorDiag("unknown resource type %s", req.TypeName)}, nil
	}
	typ := schema.ValueType()
	proposed, err := req.ProposedNewState.Unmarshal(typ)
	if err != nil {
		return nil, fmt.Errorf("%s: proposed state: %w", req.TypeName, err)
	}
	planned, err := withComputedUnknown(schema.Block, proposed)
	if err != nil {
		return &tfprotov6.PlanResourceChangeResponse{Diagnostics: errorDiag("plan %s: %s", req.TypeName, err)}, nil
	}
	dv, err := tfprotov6.NewDynamicValue(typ, planned)
	if err != nil {
		return nil, err
	}
	return &tfprotov6.PlanResourceChangeResponse{PlannedState: &dv, PlannedPrivate: req.PriorPrivate}, nil
}

func (s *server) ApplyResourceChange(_ context.Context, req *tfprotov6.ApplyResourceChangeRequest) (*tfprotov6.ApplyResourceChangeResponse, error) {
	return &tfprotov6.ApplyResourceChangeResponse{
		Diagnostics: errorDiag("%s: this is a stub provider (hack/tfstub) that answers with a recorded schema; it cannot apply", req.TypeName),
	}, nil
}

func (s *server) ImportResourceState(_ context.Context, req *tfprotov6.ImportResourceStateRequest) (*tfprotov6.ImportResourceStateResponse, error) {
	return &tfprotov6.ImportResourceStateResponse{Diagnostics: errorDiag("%s: the stub provider cannot import", req.TypeName)}, nil
}

func (s *server) MoveResourceState(_ context.Context, req *tfprotov6.MoveResourceStateRequest) (*tfprotov6.MoveResourceStateResponse, error) {
	return &tfprotov6.MoveResourceStateResponse{Diagnostics: errorDiag("%s: the stub provider cannot move state", req.TargetTypeName)}, nil
}

func (s *server) UpgradeResourceIdentity(_ context.Context, req *tfprotov6.UpgradeResourceIdentityRequest) (*tfprotov6.UpgradeResourceIdentityResponse, error) {
	return &tfprotov6.UpgradeResourceIdentityResponse{Diagnostics: errorDiag("%s: the stub provider has no resource identities", req.TypeName)}, nil
}

func (s *server) GenerateResourceConfig(_ context.Context, req *tfprotov6.GenerateResourceConfigRequest) (*tfprotov6.GenerateResourceConfigResponse, error) {
	return &tfprotov6.GenerateResourceConfigResponse{Diagnostics: errorDiag("%s: the stub provider cannot generate configuration", req.TypeName)}, nil
}

func (s *server) ValidateDataResourceConfig(_ context.Context, req *tfprotov6.ValidateDataResourceConfigRequest) (*tfprotov6.ValidateDataResourceConfigResponse, error) {
	schema, ok := s.schema.dataSources[req.TypeName]
	if !ok {
		return &tfprotov6.ValidateDataResourceConfigResponse{Diagnostics: errorDiag("unknown data source %s", req.TypeName)}, nil
	}
	return &tfprotov6.ValidateDataResourceConfigResponse{Diagnostics: deprecatedDiags(schema, req.TypeName, req.Config)}, nil
}

// ReadDataSource returns the configuration as the state, computed attributes null, or
// filled from the answers of OPENOVA_TFSTUB_DATA (data.go).
func (s *server) ReadDataSource(_ context.Context, req *tfprotov6.ReadDataSourceRequest) (*tfprotov6.ReadDataSourceResponse, error) {
	schema, ok := s.schema.dataSources[req.TypeName]
	if !ok {
		return &tfprotov6.ReadDataSourceResponse{Diagnostics: errorDiag("unknown data source %s", req.TypeName)}, nil
	}
	if len(s.answers[req.TypeName]) == 0 {
		return &tfprotov6.ReadDataSourceResponse{State: req.Config}, nil
	}
	config, err := req.Config.Unmarshal(schema.ValueType())
	if err != nil {
		return nil, err
	}
	state, err := answerDataSource(s.answers[req.TypeName], schema, config)
	if err != nil {
		return &tfprotov6.ReadDataSourceResponse{Diagnostics: errorDiag("%s: %s", req.TypeName, err)}, nil
	}
	dv, err := tfprotov6.NewDynamicValue(schema.ValueType(), state)
	if err != nil {
		return nil, err
	}
	return &tfprotov6.ReadDataSourceResponse{State: &dv}, nil
}

func (s *server) CallFunction(_ context.Context, req *tfprotov6.CallFunctionRequest) (*tfprotov6.CallFunctionResponse, error) {
	return &tfprotov6.CallFunctionResponse{Error: &tfprotov6.FunctionError{Text: "the stub provider has no function " + req.Name}}, nil
}

func (s *server) GetFunctions(context.Context, *tfprotov6.GetFunctionsRequest) (*tfprotov6.GetFunctionsResponse, error) {
	return &tfprotov6.GetFunctionsResponse{Functions: map[string]*tfprotov6.Function{}}, nil
}

func (s *server) ValidateEphemeralResourceConfig(_ context.Context, req *tfprotov6.ValidateEphemeralResourceConfigRequest) (*tfprotov6.ValidateEphemeralResourceConfigResponse, error) {
	return &tfprotov6.ValidateEphemeralResourceConfigResponse{Diagnostics: errorDiag("unknown ephemeral resource %s", req.TypeName)}, nil
}

func (s *server) OpenEphemeralResource(_ context.Context, req *tfprotov6.OpenEphemeralResourceRequest) (*tfprotov6.OpenEphemeralResourceResponse, error) {
	return &tfprotov6.OpenEphemeralResourceResponse{Diagnostics: errorDiag("unknown ephemeral resource %s", req.TypeName)}, nil
}

func (s *server) RenewEphemeralResource(_ context.Context, req *tfprotov6.RenewEphemeralResourceRequest) (*tfprotov6.RenewEphemeralResourceResponse, error) {
	return &tfprotov6.RenewEphemeralResourceResponse{Diagnostics: errorDiag("unknown ephemeral resource %s", req.TypeName)}, nil
}

func (s *server) CloseEphemeralResource(_ context.Context, req *tfprotov6.CloseEphemeralResourceRequest) (*tfprotov6.CloseEphemeralResourceResponse, error) {
	return &tfprotov6.CloseEphemeralResourceResponse{Diagnostics: errorDiag("unknown ephemeral resource %s", req.TypeName)}, nil
}

func deprecatedDiags(schema *tfprotov6.Schema, typeName string, config *tfprotov6.DynamicValue) []*tfprotov6.Diagnostic {
	if config == nil {
		return nil
	}
	v, err := config.Unmarshal(schema.ValueType())
	if err != nil {
		return errorDiag("%s: read configuration: %s", typeName, err)
	}
	found, err := deprecatedInConfig(schema.Block, v, "")
	if err != nil {
		return errorDiag("%s: read configuration: %s", typeName, err)
	}
	var diags []*tfprotov6.Diagnostic
	for _, name := range found {
		diags = append(diags, &tfprotov6.Diagnostic{
			Severity: tfprotov6.DiagnosticSeverityError,
			Summary:  fmt.Sprintf("Deprecated argument %s of %s", name, typeName),
			Detail:   "The provider's recorded schema marks this argument deprecated; the project's modules use no deprecated arguments.",
		})
	}
	return diags
}

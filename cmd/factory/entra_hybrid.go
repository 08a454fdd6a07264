package factory

import (
	"context"

	"github.com/adkit-dev/adkit/graph"
)

// EntraAlongside signs in to Entra ID while the target is Active Directory, for the cloud
// half of hybrid work (onboarding's entra.mode: hybrid, offboarding synchronised leavers).
// Its changes go to the same audit log, under the Entra ID identity. It connects anew on
// each call: a run needs it once.
func (f *Factory) EntraAlongside(ctx context.Context) (*graph.Client, error) {
	s, err := f.Settings()
	if err != nil {
		return nil, err
	}
	trail, err := f.Trail()
	if err != nil {
		return nil, err
	}
	cfg, err := f.entraConfig(s)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, connectTimeout(cfg))
	defer cancel()
	return graph.Connect(ctx, cfg, trail.WithBindIdentity(f.entraIdentity()))
}

// EntraConfigured reports whether Entra ID credentials are set (AZURE_TENANT_ID,
// AZURE_CLIENT_ID, --device-code, --auth or a saved adkit login), so that AD commands may also act on Entra ID.
func (f *Factory) EntraConfigured() bool { return f.entraConfigured() }

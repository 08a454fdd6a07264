package graph

import (
	"context"
	"errors"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	abstractions "github.com/microsoft/kiota-abstractions-go"
	absauth "github.com/microsoft/kiota-abstractions-go/authentication"
	"github.com/microsoft/kiota-abstractions-go/serialization"
	"github.com/microsoft/kiota-abstractions-go/store"
	jsonserialization "github.com/microsoft/kiota-serialization-json-go"
	textserialization "github.com/microsoft/kiota-serialization-text-go"
	msgraphcore "github.com/microsoftgraph/msgraph-sdk-go-core"
	"github.com/microsoftgraph/msgraph-sdk-go/groups"
	"github.com/microsoftgraph/msgraph-sdk-go/subscribedskus"
	"github.com/microsoftgraph/msgraph-sdk-go/users"

	"github.com/adkit-dev/adkit/audit"
)

// connectFailure words a failed sign-in; when the caller's whole time for connecting ran
// out, with a device code that is the technician not finishing in the browser.
func connectFailure(ctx context.Context, sign *signIn, err error) error {
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return &ConnectError{Reason: "the sign-in did not finish in time", Err: err,
			Hint: "with a device code or the browser, finish it within 10 minutes; otherwise check the network and any proxy (HTTPS_PROXY), and --timeout"}
	}
	return sign.explain(err)
}

// Client is a signed-in connection to one tenant's Graph. Reads go straight to Graph; every
// change goes through the audit trail it was built with.
//
// It builds request builders for the few Graph collections it uses (users, groups,
// subscribedSkus, roleManagement, reports) itself instead of going through msgraph-sdk-go's GraphServiceClient: that
// root package imports every one of Graph's hundreds of API packages, which multiplies the
// compile time and the binary size.
type Client struct {
	adapter  *msgraphcore.GraphRequestAdapterBase
	trail    *audit.Trail
	server   string // Graph host, for audit records
	identity string

	skuMu sync.Mutex
	skus  []sku // subscribedSkus, read once

	// leaverGroups holds the direct groups of the leavers an offboarding run has read (user
	// id, lower case → groups), so that planning and the snapshot read them once.
	groupsMu     sync.Mutex
	leaverGroups map[string][]object

	// requests counts the HTTP requests sent to Graph (retries included, sign-in excluded).
	requests *atomic.Int64
	// timeout is --timeout: each request's bound, and the longest wait for a throttled
	// $batch item that adkit begins (see batch).
	timeout time.Duration
}

// Connect builds the credential, signs in (so that a wrong secret is reported here, in
// words, rather than on the first request), and sets up the Graph client. trail receives
// every change the Client will make; it is required so that no change escapes the audit log.
func Connect(ctx context.Context, cfg Config, trail *audit.Trail) (*Client, error) {
	if trail == nil {
		return nil, errors.New("connect to Entra ID: an audit trail is required")
	}
	endpoint, err := cfg.endpoint()
	if err != nil {
		return nil, err
	}
	base := baseTransport(cfg)
	// Each sign-in request is bounded like a Graph request: a token service that stops
	// answering must not hold the technician until Ctrl-C.
	sign, err := credential(cfg, &http.Client{Transport: base, Timeout: cfg.timeout()})
	if err != nil {
		return nil, err
	}
	// The token's audience is the Graph endpoint's origin (https://graph.microsoft.com/.default
	// in the public cloud, the sovereign cloud's own host elsewhere).
	scopes := []string{endpoint.Scheme + "://" + endpoint.Host + "/.default"}
	tok, err := sign.token(ctx, policy.TokenRequestOptions{Scopes: scopes})
	if err != nil {
		return nil, connectFailure(ctx, sign, err)
	}
	// No token goes to a host not on this list, and the nextLinks and batch responses all
	// point at the endpoint's own host: allow exactly that one.
	hosts, err := absauth.NewAllowedHostsValidatorErrorCheck([]string{endpoint.Hostname()})
	if err != nil {
		return nil, err
	}
	auth := absauth.NewBaseBearerTokenAuthenticationProvider(tokenProvider{sign: sign, scopes: scopes, hosts: hosts})
	registerSerializers()
	requests := new(atomic.Int64)
	adapter, err := msgraphcore.NewGraphRequestAdapterBaseWithParseNodeFactoryAndSerializationWriterFactoryAndHttpClient(
		auth, msgraphcore.GraphClientOptions{GraphServiceLibraryVersion: "adkit"}, nil, nil,
		graphHTTPClient(cfg, countingTransport{next: base, n: requests}))
	if err != nil {
		return nil, err
	}
	adapter.SetBaseUrl(endpoint.String())
	// As GraphServiceClient does: request bodies then carry only the properties set.
	adapter.EnableBackingStore(store.BackingStoreFactoryInstance)
	c := &Client{
		adapter:  adapter,
		trail:    trail,
		server:   endpoint.Host,
		identity: sign.identity,
		requests: requests,
		timeout:  cfg.timeout(),
	}
	if sign.source.person() {
		// A technician signed in as themselves: audit records name them, not the tenant.
		upn := sign.identity
		if upn == "" {
			upn = tokenUPN(tok.Token)
		}
		if upn == "" {
			if upn, err = c.me(ctx); err != nil {
				return nil, err
			}
		}
		c.identity = upn
		c.trail = trail.WithBindIdentity(upn)
	}
	return c, nil
}

// Requests is the number of HTTP requests the client has sent to Graph so far: every page,
// every $batch, every retry; not the sign-in.
func (c *Client) Requests() int { return int(c.requests.Load()) }

// Server is the Graph host, as recorded on audit records.
func (c *Client) Server() string { return c.server }

// BindIdentity is who the client signs in as: "app:CLIENT_ID", or the UPN of the technician
// who signed in (adkit login, device code, browser, Azure CLI).
func (c *Client) BindIdentity() string { return c.identity }

// DryRun reports whether changes are only being recorded, not made.
func (c *Client) DryRun() bool { return c.trail.DryRun() }

// Close releases nothing today; it exists so that callers treat both back ends alike.
func (c *Client) Close() error { return nil }

// registerSerializers does what msgraph-sdk-go's GraphServiceClient constructor does: it
// registers JSON and text (de)serializers in Kiota's default registries, which the request
// adapter and the $batch code of msgraph-sdk-go-core look content types up in. Registering
// again replaces the same factories.
func registerSerializers() {
	abstractions.RegisterDefaultSerializer(func() serialization.SerializationWriterFactory {
		return jsonserialization.NewJsonSerializationWriterFactory()
	})
	abstractions.RegisterDefaultSerializer(func() serialization.SerializationWriterFactory {
		return textserialization.NewTextSerializationWriterFactory()
	})
	abstractions.RegisterDefaultDeserializer(func() serialization.ParseNodeFactory {
		return jsonserialization.NewJsonParseNodeFactory()
	})
	abstractions.RegisterDefaultDeserializer(func() serialization.ParseNodeFactory {
		return textserialization.NewTextParseNodeFactory()
	})
}

// pathParameters is what every request builder starts from: the endpoint.
func (c *Client) pathParameters() map[string]string {
	return map[string]string{"baseurl": c.adapter.GetBaseUrl()}
}

func (c *Client) usersAPI() *users.UsersRequestBuilder {
	return users.NewUsersRequestBuilderInternal(c.pathParameters(), c.adapter)
}

func (c *Client) groupsAPI() *groups.GroupsRequestBuilder {
	return groups.NewGroupsRequestBuilderInternal(c.pathParameters(), c.adapter)
}

func (c *Client) skusAPI() *subscribedskus.SubscribedSkusRequestBuilder {
	return subscribedskus.NewSubscribedSkusRequestBuilderInternal(c.pathParameters(), c.adapter)
}

package dashlive

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/openova-io/core/lifecycle"
	"github.com/openova-io/core/test/cluster"
)

var hiddenField = regexp.MustCompile(`name="(csrf|seen)" value="([^"]*)"`)

// TestSettingsChangedSinceYouLooked saves the Settings page's form through the dashboard
// after someone else changed the settings: refused with "changed since you looked",
// nothing written; saved again from a fresh page, it is one server-side apply of
// kubectl-openova next to the other writer's field.
func TestSettingsChangedSinceYouLooked(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	w := startWatch(t, ctx)
	srv := serve(t, ctx, w)
	hc := session(t, srv)

	form := func() url.Values {
		resp, err := hc.Get("http://" + srv.Addr() + "/settings")
		require.NoError(t, err)
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		v := url.Values{}
		for _, m := range hiddenField.FindAllStringSubmatch(string(body), -1) {
			v.Set(m[1], m[2])
		}
		require.NotEmpty(t, v.Get("seen"), string(body))
		v.Set("interval", "45m")
		v.Set("start", "03:00")
		v.Set("duration", "2h")
		v.Add("days", "Sunday")
		return v
	}
	post := func(v url.Values) (int, string) {
		resp, err := hc.PostForm("http://"+srv.Addr()+"/settings", v)
		require.NoError(t, err)
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(body)
	}

	looked := form()
	rev := w.Revision()
	patch := []byte(`{"spec":{"updates":{"checkInterval":"45m"}}}`)
	require.NoError(t, k8s.Patch(context.Background(), platform(), client.RawPatch(types.MergePatchType, patch), client.FieldOwner("someone")))
	waitRevisionAbove(t, w, rev)
	code, body := post(looked)
	assert.Equal(t, http.StatusConflict, code)
	assert.Contains(t, body, "The settings changed since you looked — review them again.")
	p, err := cluster.GetPlatform(context.Background(), k8s)
	require.NoError(t, err)
	assert.Nil(t, p.Spec.Updates.MaintenanceWindow, "nothing written")

	code, body = post(form())
	require.Equal(t, http.StatusSeeOther, code, body)
	p, err = cluster.GetPlatform(context.Background(), k8s)
	require.NoError(t, err)
	require.NotNil(t, p.Spec.Updates.MaintenanceWindow)
	assert.Equal(t, "03:00", p.Spec.Updates.MaintenanceWindow.Start)
	assert.Equal(t, 45*time.Minute, p.Spec.Updates.CheckInterval.Duration)
	var ours []string
	for _, m := range p.ManagedFields {
		if m.Manager == lifecycle.FieldManager {
			ours = append(ours, string(m.Operation))
			assert.True(t, strings.Contains(m.FieldsV1.GetRawString(), "maintenanceWindow"), "kubectl-openova owns the window")
		}
	}
	assert.Equal(t, []string{"Apply"}, ours, "the settings are a server-side apply of kubectl-openova")
}

package bootstrap

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"sigs.k8s.io/yaml"
)

func envFrom(m map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) {
		v, ok := m[k]
		return v, ok
	}
}

func TestCredentialsMissing(t *testing.T) {
	tests := []struct {
		provider Provider
		env      map[string]string
		missing  []string
	}{
		{ProviderHetzner, nil, []string{"HCLOUD_TOKEN"}},
		{ProviderHetzner, map[string]string{"HCLOUD_TOKEN": "t0ken-value"}, nil},
		{ProviderHetzner, map[string]string{"HCLOUD_TOKEN": ""}, []string{"HCLOUD_TOKEN"}},
		{ProviderHuawei, map[string]string{"HW_ACCESS_KEY": "ak-value"}, []string{"HW_SECRET_KEY", "HW_REGION_NAME"}},
		{ProviderHuawei, map[string]string{"HW_ACCESS_KEY": "ak-value", "HW_SECRET_KEY": "sk-value", "HW_REGION_NAME": "ap-southeast-1"}, nil},
		{ProviderOCI, nil, []string{"OCI_TENANCY_OCID", "OCI_USER_OCID", "OCI_FINGERPRINT", "OCI_PRIVATE_KEY_PATH"}},
		{ProviderOCI, map[string]string{
			"TF_VAR_tenancy_ocid": "ocid1.tenancy", "OCI_USER_OCID": "ocid1.user", "OCI_FINGERPRINT": "aa:bb", "OCI_PRIVATE_KEY": "-----BEGIN",
		}, nil},
		{ProviderLocal, nil, nil},
		{ProviderExisting, nil, nil},
		{ProviderKind, nil, nil},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%s %d vars", tt.provider, len(tt.env)), func(t *testing.T) {
			cfg := testConfig(t, tt.provider)
			creds := CredentialsFromEnv(cfg, envFrom(tt.env))
			missing := creds.Missing(cfg)
			require.Len(t, missing, len(tt.missing), "%v", missing)
			for i, name := range tt.missing {
				assert.True(t, strings.HasPrefix(missing[i], name), "%q names %s", missing[i], name)
			}
			err := CheckCredentials(cfg, creds)
			if len(tt.missing) == 0 {
				require.NoError(t, err)
			} else {
				require.ErrorContains(t, err, "missing credentials for provider "+string(tt.provider))
			}
		})
	}
}

func TestCredentialsS3State(t *testing.T) {
	cfg := testConfig(t, ProviderLocal)
	cfg.State = StateBackend{Backend: StateBackendS3, Bucket: "b", Key: "k", Region: "r"}
	creds := CredentialsFromEnv(cfg, envFrom(map[string]string{"AWS_SECRET_ACCESS_KEY": "s3-secret-value", "HCLOUD_TOKEN": "other"}))
	assert.Empty(t, creds.Missing(cfg), "S3 credentials are optional (profiles, roles)")
	assert.Equal(t, []string{"s3-secret-value"}, creds.SecretValues())
	_, ok := creds.Get("HCLOUD_TOKEN")
	assert.False(t, ok, "only the provider's own variables are collected")
}

func TestCredentialsNeverSerialized(t *testing.T) {
	creds := NewCredentials()
	creds.Set("HCLOUD_TOKEN", "canary-3f9a1c", true)
	creds.Set("HW_REGION_NAME", "ap-southeast-1", false)

	_, err := json.Marshal(creds)
	require.Error(t, err)
	_, err = json.Marshal(struct{ C *Credentials }{creds})
	require.Error(t, err)
	_, err = yaml.Marshal(struct{ C *Credentials }{creds})
	require.Error(t, err)
	for _, s := range []string{fmt.Sprint(creds), fmt.Sprintf("%v %+v %#v %s", creds, creds, creds, creds)} {
		assert.NotContains(t, s, "canary-3f9a1c")
	}
	assert.Equal(t, []string{"canary-3f9a1c"}, creds.SecretValues(), "only secret values are redacted")
	assert.Equal(t, map[string]string{"HCLOUD_TOKEN": "canary-3f9a1c", "HW_REGION_NAME": "ap-southeast-1"}, creds.Env())
}

func TestRedactor(t *testing.T) {
	r := NewRedactor("s3cr3t-token", "s3cr3t", "", "ab")
	assert.Equal(t, "token=[REDACTED] and [REDACTED] ab", r.String("token=s3cr3t-token and s3cr3t ab"))

	var out bytes.Buffer
	w := r.Writer(&out)
	// A secret split across writes is still caught.
	for _, chunk := range []string{"line one s3c", "r3t-tok", "en end\nsecond ", "s3cr3t"} {
		n, err := w.Write([]byte(chunk))
		require.NoError(t, err)
		assert.Equal(t, len(chunk), n)
	}
	assert.Equal(t, "line one [REDACTED] end\n", out.String(), "only whole lines are written before Flush")
	require.NoError(t, w.Close())
	assert.Equal(t, "line one [REDACTED] end\nsecond [REDACTED]", out.String())

	var nothing *Redactor
	assert.Equal(t, "x", nothing.String("x"))
}

package terraform

import (
	"os"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestModulePlans runs each cloud module's plan tests (<module>/_tests/*.tftest.hcl,
// outside the embedded files) with `terraform test`: mocked providers over the stub's
// recorded schemas, or the stub itself with the data source answers of
// <module>/_tests/stub-data.json; `command = plan` runs only, no network and no cloud
// account.
func TestModulePlans(t *testing.T) {
	bin := terraformBinary(t)
	env := stubEnv(t)
	for _, module := range cloudModules {
		t.Run(module, func(t *testing.T) {
			t.Parallel()
			tests, err := filepath.Glob(filepath.Join(module, "_tests", "*.tftest.hcl"))
			require.NoError(t, err)
			require.NotEmpty(t, tests, "%s has no plan tests", module)
			dir := copyModule(t, module)
			env := env
			if data := filepath.Join(dir, "_tests", "stub-data.json"); fileExists(data) {
				env = append(env[:len(env):len(env)], "OPENOVA_TFSTUB_DATA="+data)
			}
			terraformInit(t, bin, dir, env)
			out, err := runTerraform(t, bin, dir, env, "test", "-test-directory=_tests", "-no-color")
			require.NoError(t, err, "terraform test %s:\n%s", module, out)
			// Every run passed and none was skipped.
			m := regexp.MustCompile(`Success! (\d+) passed, 0 failed\.`).FindStringSubmatch(out)
			require.NotNil(t, m, "terraform test %s:\n%s", module, out)
			assert.NotContains(t, out, "skip", "terraform test %s:\n%s", module, out)
			if testing.Verbose() {
				t.Log(out)
			}
		})
	}
}

func TestPlanTestsAreNotEmbedded(t *testing.T) {
	for _, module := range cloudModules {
		_, err := FS.Open(module + "/_tests")
		assert.ErrorIs(t, err, os.ErrNotExist, "%s/_tests must stay out of the embedded module", module)
	}
}

func fileExists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

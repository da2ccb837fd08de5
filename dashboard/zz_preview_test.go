package dashboard

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"

	"sigs.k8s.io/controller-runtime/pkg/client/fake"

	"github.com/openova-io/core/test/testcatalog"
)

func TestPreview(t *testing.T) {
	if os.Getenv("PREVIEW") == "" {
		t.Skip()
	}
	cat := testcatalog.WriteFile(t, "cli", "http://127.0.0.1:1/charts")
	srv, err := Listen(Options{Port: 18877, Watch: staticSource{samplePlatform()}, Client: fake.NewClientBuilder().Build(), Catalog: cat, Context: "kwok-acme"})
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile("/tmp/preview-url", []byte(srv.URL()), 0o644)
	fmt.Println(srv.URL())
	ctx, cancel := context.WithTimeout(context.Background(), 400*time.Second)
	defer cancel()
	_ = srv.Serve(ctx)
}

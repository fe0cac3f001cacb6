package cloudwatchtest_test

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"testing"

	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"

	"github.com/crawler-service/crawler/otel/cloudwatch/cloudwatchtest"
)

const helperEnv = "CLOUDWATCHTEST_HELPER_PROCESS"

// AWS_ENDPOINT_URL_CLOUDWATCH is process-wide, so the client that reads it
// runs in a child process (this test binary again) with its own
// environment; the parent stays parallel and free of t.Setenv.
func TestEndpointFromEnvironment(t *testing.T) {
	t.Parallel()
	s := newServer(t)
	cmd := exec.CommandContext(t.Context(), os.Args[0], "-test.run=^TestHelperProcessPutFromEnvironment$", "-test.count=1")
	cmd.Env = []string{
		helperEnv + "=1",
		"HOME=" + t.TempDir(), // no ~/.aws to read
		"AWS_ENDPOINT_URL_CLOUDWATCH=" + s.URL(),
		"AWS_REGION=" + cloudwatchtest.Region,
		"AWS_ACCESS_KEY_ID=" + cloudwatchtest.AccessKeyID,
		"AWS_SECRET_ACCESS_KEY=" + cloudwatchtest.SecretAccessKey,
		"AWS_EC2_METADATA_DISABLED=true",
	}
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("helper process: %v\n%s", err, out)
	}
	got := s.DatumsNamed("FromEnvironment")
	if len(got) != 1 || got[0].Namespace != "EnvNamespace" {
		t.Fatalf("datums = %+v, want one FromEnvironment datum in EnvNamespace\nhelper output:\n%s", s.Datums(), out)
	}
	if reqs := s.Requests(); reqs[0].Gzipped {
		t.Errorf("a small body from a LoadDefaultConfig client was gzipped; its threshold is 10240 bytes")
	}
}

// TestHelperProcessPutFromEnvironment is the child of
// TestEndpointFromEnvironment; run directly it does nothing.
func TestHelperProcessPutFromEnvironment(t *testing.T) {
	if os.Getenv(helperEnv) != "1" {
		return
	}
	// The server outlives this process, so its keep-alive connection must
	// be closed here or goleak sees the transport's goroutines.
	// Dialing anything but loopback fails, so a client that ignored the
	// variable cannot reach AWS.
	tr := &http.Transport{DialContext: loopbackOnly}
	defer tr.CloseIdleConnections()
	cfg, err := config.LoadDefaultConfig(context.Background(), config.WithHTTPClient(&http.Client{Transport: tr}))
	if err != nil {
		t.Fatalf("LoadDefaultConfig: %v", err)
	}
	in := oneDatum()
	in.Namespace = new("EnvNamespace")
	in.MetricData[0].MetricName = new("FromEnvironment")
	if _, err := cloudwatch.NewFromConfig(cfg).PutMetricData(context.Background(), in); err != nil {
		t.Fatalf("PutMetricData: %v", err)
	}
}

func loopbackOnly(ctx context.Context, network, addr string) (net.Conn, error) {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, err
	}
	if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
		return nil, fmt.Errorf("refusing to dial %s: not loopback", addr)
	}
	var d net.Dialer
	return d.DialContext(ctx, network, addr)
}

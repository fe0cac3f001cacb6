package cloudwatchtest_test

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"

	"github.com/crawler-service/crawler/otel/cloudwatch/cloudwatchtest"
)

// loadDefaultClient builds a client the way a program does, through
// config.LoadDefaultConfig, kept away from the machine's shared AWS files.
func loadDefaultClient(t *testing.T, url string, optFns ...func(*cloudwatch.Options)) *cloudwatch.Client {
	t.Helper()
	cfg, err := config.LoadDefaultConfig(context.Background(),
		config.WithBaseEndpoint(url),
		config.WithRegion(cloudwatchtest.Region),
		config.WithCredentialsProvider(credentials.NewStaticCredentialsProvider(cloudwatchtest.AccessKeyID, cloudwatchtest.SecretAccessKey, "")),
		config.WithSharedConfigFiles([]string{}),
		config.WithSharedCredentialsFiles([]string{}),
	)
	if err != nil {
		t.Fatalf("LoadDefaultConfig: %v", err)
	}
	return cloudwatch.NewFromConfig(cfg, optFns...)
}

// valuesInput's body grows with n: about 9 bytes of CBOR per value.
func valuesInput(n int) *cloudwatch.PutMetricDataInput {
	var data []types.MetricDatum
	for len(data)*150 < n {
		data = append(data, types.MetricDatum{MetricName: aws.String("WorkerJobDuration"), Values: values(min(150, n-len(data)*150), 0.25)})
	}
	return &cloudwatch.PutMetricDataInput{Namespace: aws.String("ns"), MetricData: data}
}

// The SDK gzips a body once it reaches RequestMinCompressSizeBytes: 0 for
// cloudwatch.New (always), 10240 for LoadDefaultConfig.
func TestCompression(t *testing.T) {
	t.Parallel()
	const threshold = 10240
	cases := []struct {
		name     string
		client   func(t *testing.T, url string) *cloudwatch.Client
		values   int
		wantGzip bool
	}{
		{"cloudwatch.New small", func(_ *testing.T, url string) *cloudwatch.Client { return cloudwatchtest.NewClient(url) }, 1, true},
		{"cloudwatch.New compression disabled", func(_ *testing.T, url string) *cloudwatch.Client {
			return cloudwatchtest.NewClient(url, func(o *cloudwatch.Options) { o.DisableRequestCompression = true })
		}, 3000, false},
		{"LoadDefaultConfig small", func(t *testing.T, url string) *cloudwatch.Client { return loadDefaultClient(t, url) }, 1, false},
		{"LoadDefaultConfig just under 10 KiB", func(t *testing.T, url string) *cloudwatch.Client { return loadDefaultClient(t, url) }, 1000, false},
		{"LoadDefaultConfig over 10 KiB", func(t *testing.T, url string) *cloudwatch.Client { return loadDefaultClient(t, url) }, 1200, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := newServer(t)
			if _, err := tc.client(t, s.URL()).PutMetricData(context.Background(), valuesInput(tc.values)); err != nil {
				t.Fatalf("PutMetricData: %v", err)
			}
			reqs := s.Requests()
			if len(reqs) != 1 {
				t.Fatalf("%d requests stored, want 1", len(reqs))
			}
			if reqs[0].Gzipped != tc.wantGzip {
				t.Errorf("Gzipped = %v for a %d-byte body, want %v", reqs[0].Gzipped, reqs[0].Size, tc.wantGzip)
			}
			if enc := reqs[0].Header.Get("Content-Encoding"); (enc == "gzip") != tc.wantGzip {
				t.Errorf("Content-Encoding = %q", enc)
			}
			if n := len(s.Datums()); n == 0 || len(s.Datums()[0].Values) == 0 {
				t.Errorf("datums not decoded after (de)compression")
			}
			t.Logf("%d values: %d bytes uncompressed (threshold %d), gzipped=%v", tc.values, reqs[0].Size, threshold, reqs[0].Gzipped)
		})
	}
}

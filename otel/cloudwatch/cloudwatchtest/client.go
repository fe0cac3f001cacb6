package cloudwatchtest

import (
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
)

// Region and the static credentials NewClient uses; the server checks
// neither, but the SDK refuses to sign without them.
const (
	Region          = "us-east-1"
	AccessKeyID     = "AKIDCLOUDWATCHTEST"
	SecretAccessKey = "cloudwatchtest-secret"
)

// NewClient returns a real SDK client that sends to url (a Server's URL).
//
// It is cloudwatch.New with region us-east-1, static credentials and
// [FastRetryer](3), so retries behave like the SDK's standard retryer
// without its seconds-long backoff. optFns run last and may replace any of
// that, e.g. o.Retryer = retry.NewStandard() for the real backoff or
// o.RequestMinCompressSizeBytes = 10240 for LoadDefaultConfig's threshold.
// cloudwatch.New leaves RequestMinCompressSizeBytes at 0, so every body is
// gzipped.
func NewClient(url string, optFns ...func(*cloudwatch.Options)) *cloudwatch.Client {
	opts := cloudwatch.Options{
		Region:       Region,
		BaseEndpoint: aws.String(url),
		Credentials:  credentials.NewStaticCredentialsProvider(AccessKeyID, SecretAccessKey, ""),
		Retryer:      FastRetryer(3),
	}
	for _, fn := range optFns {
		fn(&opts)
	}
	return cloudwatch.New(opts)
}

// Client is NewClient(s.URL(), optFns...).
func (s *Server) Client(optFns ...func(*cloudwatch.Options)) *cloudwatch.Client {
	return NewClient(s.URL(), optFns...)
}

// FastRetryer is the SDK's standard retryer (same retryable, throttle and
// timeout rules) making at most maxAttempts attempts, with no backoff delay
// and no client-side retry quota, so tests that exercise retries stay fast
// and independent of each other.
func FastRetryer(maxAttempts int) aws.Retryer {
	return retry.NewStandard(func(o *retry.StandardOptions) {
		o.MaxAttempts = maxAttempts
		o.Backoff = retry.BackoffDelayerFunc(func(int, error) (time.Duration, error) { return 0, nil })
		o.RateLimiter = ratelimit.None
	})
}

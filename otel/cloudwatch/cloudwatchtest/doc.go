// Package cloudwatchtest is a test double of Amazon CloudWatch's PutMetricData
// endpoint that the real aws-sdk-go-v2 cloudwatch client talks to unchanged.
//
// A [Server] speaks Smithy RPC v2 CBOR on loopback, the protocol the SDK
// (service/cloudwatch v1.75.7) uses: it un-gzips request bodies, decodes them
// into plain Go types ([Request], [Datum]) and keeps them for assertions. It
// enforces the limits AWS documents for PutMetricData (1000 datums, 1 MiB
// uncompressed, 150 values, 30 dimensions, name lengths, timestamps within
// two weeks back and two hours ahead, finite values, units, storage
// resolution) and answers a violation the way CloudWatch does, with an
// InvalidParameterValue error the SDK does not retry. Rejected requests are
// kept apart ([Server.Rejected]); their datums are never stored.
//
// Faults are injected with [Server.FailNext] (throttling, 5xx, 503) and
// [Server.SetDown], so retry and outage paths can be driven through the
// SDK's own retryer. [Server.Attempts] counts every POST, failed or not.
//
// [NewClient] builds a real SDK client pointed at a server. A client made by
// config.LoadDefaultConfig reaches the server too, either through
// config.WithBaseEndpoint or through the AWS_ENDPOINT_URL_CLOUDWATCH
// environment variable; note that such a client gzips only bodies of 10240
// bytes or more, while cloudwatch.New gzips every body.
package cloudwatchtest

package cloudwatchtest_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
	smithy "github.com/aws/smithy-go"
	"github.com/aws/smithy-go/encoding/cbor"

	"github.com/crawler-service/crawler/otel/cloudwatch/cloudwatchtest"
)

// Requests the SDK never sends still get a decodable CBOR error, and are
// recorded as rejections.
func TestProtocolViolations(t *testing.T) {
	t.Parallel()
	validBody := cbor.Encode(cbor.Map{
		"Namespace":  cbor.String("ns"),
		"MetricData": cbor.List{cbor.Map{"MetricName": cbor.String("m"), "Value": cbor.Float64(1)}},
	})
	cases := []struct {
		name        string
		protocol    string
		contentType string
		encoding    string
		body        []byte
		wantCode    string
		wantErr     error
	}{
		{"valid", "rpc-v2-cbor", "application/cbor", "", validBody, "", nil},
		{"no Smithy-Protocol", "", "application/cbor", "", validBody, "SerializationException", cloudwatchtest.ErrProtocol},
		{"JSON content type", "rpc-v2-cbor", "application/json", "", validBody, "SerializationException", cloudwatchtest.ErrProtocol},
		{"gzip header, plain body", "rpc-v2-cbor", "application/cbor", "gzip", validBody, "SerializationException", cloudwatchtest.ErrProtocol},
		{"not CBOR", "rpc-v2-cbor", "application/cbor", "", []byte{0xff, 0x00}, "SerializationException", cloudwatchtest.ErrMalformed},
		{"MetricData not a list", "rpc-v2-cbor", "application/cbor", "", cbor.Encode(cbor.Map{"Namespace": cbor.String("ns"), "MetricData": cbor.String("x")}), "SerializationException", cloudwatchtest.ErrMalformed},
		{"statistic set without Sum", "rpc-v2-cbor", "application/cbor", "", cbor.Encode(cbor.Map{
			"Namespace": cbor.String("ns"),
			"MetricData": cbor.List{cbor.Map{"MetricName": cbor.String("m"), "StatisticValues": cbor.Map{
				"SampleCount": cbor.Float64(1), "Minimum": cbor.Float64(1), "Maximum": cbor.Float64(1),
			}}},
		}), "InvalidParameterValue", cloudwatchtest.ErrStatisticSet},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := newServer(t)
			req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, s.URL()+cloudwatchtest.Path, bytes.NewReader(tc.body))
			if err != nil {
				t.Fatal(err)
			}
			for k, v := range map[string]string{"Smithy-Protocol": tc.protocol, "Content-Type": tc.contentType, "Content-Encoding": tc.encoding} {
				if v != "" {
					req.Header.Set(k, v)
				}
			}
			status, body := do(t, req)
			if tc.wantCode == "" {
				if status != http.StatusOK || !bytes.Equal(body, []byte{0xa0}) {
					t.Fatalf("status %d body %x, want 200 and an empty CBOR map", status, body)
				}
				return
			}
			if status != http.StatusBadRequest {
				t.Errorf("status %d, want 400", status)
			}
			v, err := cbor.Decode(body)
			if m, ok := v.(cbor.Map); err != nil || !ok || m["__type"] == nil || m["message"] == nil {
				t.Errorf("error body %x is not a CBOR map with __type and message (%v)", body, err)
			}
			rej := s.Rejected()
			if len(rej) != 1 || rej[0].Code != tc.wantCode || !errors.Is(rej[0].Err, tc.wantErr) {
				t.Fatalf("Rejected = %+v, want one %s wrapping %v", rej, tc.wantCode, tc.wantErr)
			}
			if len(s.Datums()) != 0 || s.Attempts() != 1 {
				t.Errorf("datums=%d attempts=%d, want 0 and 1", len(s.Datums()), s.Attempts())
			}
		})
	}
}

func do(t *testing.T, req *http.Request) (int, []byte) {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("read body: %v", err)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "application/cbor" {
		t.Errorf("Content-Type = %q, want application/cbor", ct)
	}
	return resp.StatusCode, body
}

func TestOtherOperationsAreRefused(t *testing.T) {
	t.Parallel()
	s := newServer(t)
	_, err := s.Client().ListMetrics(context.Background(), &cloudwatch.ListMetricsInput{})
	var apiErr smithy.APIError
	if !errors.As(err, &apiErr) || apiErr.ErrorCode() != "UnknownOperationException" {
		t.Fatalf("ListMetrics error %v, want UnknownOperationException", err)
	}
	if s.Attempts() != 1 || len(s.Requests()) != 0 {
		t.Fatalf("Attempts=%d requests=%d, want 1 and 0", s.Attempts(), len(s.Requests()))
	}
}

func TestConcurrentClients(t *testing.T) {
	t.Parallel()
	s := newServer(t)
	// Two throttles at most, so even one unlucky call that gets both
	// still succeeds on its third attempt.
	const workers, each, throttles = 8, 25, 2
	s.FailNext(throttles, cloudwatchtest.Throttle)
	var wg sync.WaitGroup
	errs := make(chan error, workers*each)
	for w := range workers {
		wg.Go(func() {
			client := s.Client()
			for i := range each {
				_, err := client.PutMetricData(context.Background(), &cloudwatch.PutMetricDataInput{
					Namespace: aws.String("ns"),
					MetricData: []types.MetricDatum{{
						MetricName: aws.String("m"), Value: aws.Float64(float64(i)),
						Dimensions: []types.Dimension{{Name: aws.String("Worker"), Value: aws.String(fmt.Sprint(w))}},
					}},
				})
				if err != nil {
					errs <- err
				}
				_ = s.Datums() // readers race with writers under -race
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Errorf("PutMetricData: %v", err)
	}
	if n := len(s.Datums()); n != workers*each {
		t.Errorf("%d datums stored, want %d", n, workers*each)
	}
	if a := s.Attempts(); a != workers*each+throttles {
		t.Errorf("Attempts = %d, want %d (every call plus one retry per throttle)", a, workers*each+throttles)
	}
}

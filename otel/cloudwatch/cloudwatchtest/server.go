package cloudwatchtest

import (
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"sync"
)

// Path is where the SDK posts PutMetricData.
const Path = "/service/GraniteServiceVersion20100801/operation/PutMetricData"

// maxReadBytes bounds what the server reads of one body, compressed or
// not, so a runaway client cannot exhaust a test's memory; it is well above
// MaxRequestBytes so that limit is still reported precisely.
const maxReadBytes = 64 << 20

// Server is a fake CloudWatch PutMetricData endpoint on loopback. All its
// methods are safe for concurrent use.
type Server struct {
	cfg       config
	srv       *httptest.Server
	closeOnce sync.Once

	mu       sync.Mutex
	requests []Request
	rejected []Rejection
	attempts int
	faults   []FailKind
	down     bool
}

// NewServer starts a server on a free loopback port. Close it when done.
func NewServer(opts ...Option) *Server {
	s := &Server{cfg: newConfig(opts)}
	mux := http.NewServeMux()
	mux.HandleFunc("POST "+Path, s.putMetricData)
	mux.HandleFunc("/", s.unknownOperation)
	s.srv = httptest.NewServer(mux)
	return s
}

// URL is the base endpoint to give the SDK (cloudwatch.Options.BaseEndpoint
// or AWS_ENDPOINT_URL_CLOUDWATCH).
func (s *Server) URL() string { return s.srv.URL }

// Close stops the server; calling it again does nothing.
func (s *Server) Close() {
	s.closeOnce.Do(s.srv.Close)
}

// Requests returns the accepted requests in arrival order.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.requests)
}

// Datums returns the datums of all accepted requests, in arrival order.
func (s *Server) Datums() []Datum {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Datum
	for _, r := range s.requests {
		out = append(out, r.Datums...)
	}
	return out
}

// DatumsNamed returns the accepted datums with the given metric name.
func (s *Server) DatumsNamed(metricName string) []Datum {
	var out []Datum
	for _, d := range s.Datums() {
		if d.MetricName == metricName {
			out = append(out, d)
		}
	}
	return out
}

// Rejected returns the refused requests in arrival order; injected faults
// are not rejections and are only counted by Attempts.
func (s *Server) Rejected() []Rejection {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.rejected)
}

// Attempts counts every POST received, whatever its outcome.
func (s *Server) Attempts() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.attempts
}

// Reset forgets requests, rejections, attempts and queued faults, and brings
// the server up.
func (s *Server) Reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests, s.rejected, s.faults = nil, nil, nil
	s.attempts, s.down = 0, false
}

func (s *Server) putMetricData(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.attempts++
	id := s.attempts
	kind, failed := s.nextFault()
	s.mu.Unlock()

	w.Header().Set("X-Amzn-Requestid", "cloudwatchtest-"+strconv.Itoa(id))
	if failed {
		// Drain so the client can reuse the connection for its retry.
		_, _ = io.Copy(io.Discard, io.LimitReader(r.Body, maxReadBytes))
		faultError(kind).write(w)
		return
	}

	req, rej := s.read(r)
	if rej != nil {
		s.mu.Lock()
		s.rejected = append(s.rejected, *rej)
		s.mu.Unlock()
		rejectionError(*rej).write(w)
		return
	}
	s.mu.Lock()
	s.requests = append(s.requests, req)
	s.mu.Unlock()

	w.Header().Set("Content-Type", "application/cbor")
	w.Header().Set("Smithy-Protocol", "rpc-v2-cbor")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write([]byte{0xa0}) // empty CBOR map: PutMetricData has no output members
}

// read checks the protocol, un-gzips, decodes and validates one request.
func (s *Server) read(r *http.Request) (Request, *Rejection) {
	req := Request{Header: r.Header.Clone(), Gzipped: r.Header.Get("Content-Encoding") == "gzip"}
	reject := func(code string, err error) (Request, *Rejection) {
		return Request{}, &Rejection{Namespace: req.Namespace, Size: req.Size, Gzipped: req.Gzipped, Code: code, Err: err}
	}
	if p := r.Header.Get("Smithy-Protocol"); p != "rpc-v2-cbor" {
		return reject(codeSerialization, fmt.Errorf("%w: Smithy-Protocol is %q", ErrProtocol, p))
	}
	if ct := r.Header.Get("Content-Type"); ct != "application/cbor" {
		return reject(codeSerialization, fmt.Errorf("%w: Content-Type is %q", ErrProtocol, ct))
	}
	body, err := readBody(r.Body, req.Gzipped)
	if err != nil {
		return reject(codeSerialization, err)
	}
	req.Size = len(body)
	if req.Size > MaxRequestBytes {
		return reject(codeInvalidParameter, fmt.Errorf("%w: %d bytes uncompressed, the limit is %d", ErrRequestTooLarge, req.Size, MaxRequestBytes))
	}
	req.Namespace, req.Datums, err = decodeInput(body)
	if err != nil {
		code := codeSerialization
		if errors.Is(err, ErrStatisticSet) {
			code = codeInvalidParameter
		}
		return reject(code, err)
	}
	if err := validate(req.Namespace, req.Datums, s.cfg.clock()); err != nil {
		return reject(codeInvalidParameter, err)
	}
	return req, nil
}

func readBody(body io.Reader, gzipped bool) ([]byte, error) {
	raw, err := io.ReadAll(io.LimitReader(body, maxReadBytes))
	if err != nil {
		return nil, fmt.Errorf("%w: read body: %w", ErrProtocol, err)
	}
	if !gzipped {
		return raw, nil
	}
	zr, err := gzip.NewReader(bytes.NewReader(raw))
	if err != nil {
		return nil, fmt.Errorf("%w: gzip: %w", ErrProtocol, err)
	}
	plain, err := io.ReadAll(io.LimitReader(zr, maxReadBytes))
	if err != nil {
		return nil, fmt.Errorf("%w: gunzip: %w", ErrProtocol, err)
	}
	return plain, nil
}

const (
	codeInvalidParameter = "InvalidParameterValue"
	codeSerialization    = "SerializationException"
)

func rejectionError(r Rejection) apiError {
	if r.Code == codeInvalidParameter {
		return invalidParameter(r.Reason())
	}
	return serializationError(r.Reason())
}

// unknownOperation answers anything but PutMetricData; it still counts as
// an attempt when it is a POST so stray calls show up in tests.
func (s *Server) unknownOperation(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodPost {
		s.mu.Lock()
		s.attempts++
		s.mu.Unlock()
	}
	apiError{
		status:  http.StatusNotFound,
		typ:     "UnknownOperationException",
		message: fmt.Sprintf("cloudwatchtest serves only POST %s, got %s %s", Path, r.Method, r.URL.Path),
	}.write(w)
}

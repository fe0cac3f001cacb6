package cloudwatchtest

import (
	"fmt"
	"net/http"

	"github.com/aws/smithy-go/encoding/cbor"
)

// FailKind is a failure the server answers with instead of processing a
// request.
type FailKind int

const (
	// Throttle answers as CloudWatch does when over its request rate: 400
	// Throttling, which the SDK retries with backoff.
	Throttle FailKind = iota + 1
	// ServerError answers 500 InternalServiceFault, which the SDK retries.
	ServerError
	// Down answers 503 ServiceUnavailable, as an unreachable region would.
	Down
)

func (k FailKind) String() string {
	switch k {
	case Throttle:
		return "Throttle"
	case ServerError:
		return "ServerError"
	case Down:
		return "Down"
	}
	return fmt.Sprintf("FailKind(%d)", int(k))
}

// FailNext makes the next n POSTs fail with kind. Calls queue up: after
// FailNext(2, Throttle) and FailNext(1, ServerError) the next three requests
// are throttled, throttled, then answered 500.
func (s *Server) FailNext(n int, kind FailKind) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for range n {
		s.faults = append(s.faults, kind)
	}
}

// SetDown makes every request answer 503 (down) or restores normal service.
// Queued FailNext faults are kept for when the server is up again.
func (s *Server) SetDown(down bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.down = down
}

// Up ends an outage started by SetDown(true).
func (s *Server) Up() { s.SetDown(false) }

// nextFault reports the failure the current request gets, if any. The
// caller holds s.mu.
func (s *Server) nextFault() (FailKind, bool) {
	if s.down {
		return Down, true
	}
	if len(s.faults) == 0 {
		return 0, false
	}
	k := s.faults[0]
	s.faults = s.faults[1:]
	return k, true
}

// apiError is an error response in rpc-v2-cbor's shape. queryCode and
// fault fill X-Amzn-Query-Error, which the SDK (CloudWatch is
// awsQueryCompatible) uses as the error code.
type apiError struct {
	status    int
	typ       string
	queryCode string
	fault     string
	message   string
}

const shapePrefix = "com.amazonaws.cloudwatch#"

func faultError(k FailKind) apiError {
	switch k {
	case Throttle:
		return apiError{http.StatusBadRequest, shapePrefix + "ThrottlingException", "Throttling", "Sender", "Rate exceeded"}
	case ServerError:
		return apiError{http.StatusInternalServerError, shapePrefix + "InternalServiceFault", "InternalServiceFault", "Receiver", "Internal service fault (injected)"}
	default:
		return apiError{http.StatusServiceUnavailable, shapePrefix + "ServiceUnavailable", "ServiceUnavailable", "Receiver", "Service unavailable (injected)"}
	}
}

func invalidParameter(msg string) apiError {
	return apiError{http.StatusBadRequest, shapePrefix + "InvalidParameterValueException", "InvalidParameterValue", "Sender", msg}
}

func serializationError(msg string) apiError {
	return apiError{status: http.StatusBadRequest, typ: "SerializationException", message: msg}
}

// write always sends a body: the SDK fails to decode an empty error body.
func (e apiError) write(w http.ResponseWriter) {
	body := cbor.Map{
		"__type":  cbor.String(e.typ),
		"message": cbor.String(e.message),
	}
	if e.queryCode == "InternalServiceFault" {
		// The modeled InternalServiceFault spells its member "Message".
		body["Message"] = cbor.String(e.message)
	}
	h := w.Header()
	h.Set("Content-Type", "application/cbor")
	h.Set("Smithy-Protocol", "rpc-v2-cbor")
	if e.queryCode != "" {
		h.Set("X-Amzn-Query-Error", e.queryCode+";"+e.fault)
	}
	w.WriteHeader(e.status)
	_, _ = w.Write(cbor.Encode(body))
}

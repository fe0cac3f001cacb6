package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
)

// decode reads r's body as one JSON value into v: at most MaxBodyBytes,
// no unknown fields, nothing after the value. Broken JSON is 400; JSON of
// the wrong shape (unknown field, wrong type) is 422 with the field named.
func (s *server) decode(w http.ResponseWriter, r *http.Request, v any) error {
	if r.ContentLength > s.cfg.MaxBodyBytes {
		return &http.MaxBytesError{Limit: s.cfg.MaxBodyBytes}
	}
	r.Body = http.MaxBytesReader(w, r.Body, s.cfg.MaxBodyBytes)
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return decodeError(err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return err
		}
		return errorf(codeMalformed, "unexpected data after the JSON value")
	}
	return nil
}

func decodeError(err error) error {
	var (
		syntax *json.SyntaxError
		typ    *json.UnmarshalTypeError
		tooBig *http.MaxBytesError
	)
	switch {
	case errors.As(err, &tooBig):
		return err
	case errors.Is(err, os.ErrDeadlineExceeded):
		return errorf(codeTimeout, "the request body did not arrive within the server's read timeout")
	case errors.Is(err, io.EOF):
		return errorf(codeMalformed, "the request body is empty; send a JSON object")
	case errors.Is(err, io.ErrUnexpectedEOF):
		return errorf(codeMalformed, "malformed JSON: the body ends early")
	case errors.As(err, &syntax):
		return errorf(codeMalformed, "malformed JSON at byte %d: %s", syntax.Offset, strings.TrimPrefix(syntax.Error(), "json: "))
	case errors.As(err, &typ):
		field := typ.Field
		if field == "" {
			return errorf(codeInvalid, "the body must be a JSON object, not %s", typ.Value)
		}
		return &Error{Code: codeInvalid, Message: "a field has the wrong type",
			Fields: map[string]string{field: fmt.Sprintf("must be %s, not %s", jsonKind(typ.Type.Kind().String()), typ.Value)}}
	}
	// encoding/json has no type for this one, only the message.
	if name, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
		name = strings.Trim(name, `"`)
		return &Error{Code: codeInvalid, Message: "unknown field " + name, Fields: map[string]string{name: "unknown field"}}
	}
	return errorf(codeMalformed, "malformed JSON")
}

// jsonKind names a Go kind the way a JSON client thinks of it.
func jsonKind(kind string) string {
	switch kind {
	case "string":
		return "a string"
	case "slice", "array":
		return "an array"
	case "struct", "map", "ptr":
		return "an object"
	case "bool":
		return "a boolean"
	}
	return "a number"
}

package api

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net/http"
)

// Every operator action (a job's retry, cancel or delete, a bulk retry or
// purge, a schedule's pause, resume or trigger) names its operator in an
// optional body, for the log and the job's record. The name is
// self-declared: the API has one shared token, not users.

// defaultOperator is the operator of an action whose body names none.
const defaultOperator = "api"

// maxOperatorLength bounds an operator's self-declared name.
const maxOperatorLength = 64

// validOperator accepts 1 to maxOperatorLength characters of
// [A-Za-z0-9_.@-].
func validOperator(name string) bool {
	if name == "" || len(name) > maxOperatorLength {
		return false
	}
	for _, r := range name {
		ok := r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '.' || r == '@' || r == '-'
		if !ok {
			return false
		}
	}
	return true
}

// checkOperator is the operator a body names, or defaultOperator.
func checkOperator(name *string) (string, error) {
	if name == nil {
		return defaultOperator, nil
	}
	if !validOperator(*name) {
		return "", fmt.Errorf("must be 1 to %d characters of letters, digits, '_', '.', '@' and '-'", maxOperatorLength)
	}
	return *name, nil
}

// actionInput is the optional body of an action that takes nothing but
// its operator.
type actionInput struct {
	Operator *string `json:"operator"`
}

// actionOperator reads an action's optional body and returns its operator.
func (s *server) actionOperator(w http.ResponseWriter, r *http.Request) (string, error) {
	var in actionInput
	if err := s.decodeOptional(w, r, &in); err != nil {
		return "", err
	}
	op, err := checkOperator(in.Operator)
	if err != nil {
		return "", &Error{Code: codeInvalid, Message: "bad operator", Fields: map[string]string{"operator": err.Error()}}
	}
	return op, nil
}

// decodeOptional decodes r's body into v, where no body at all means {}.
func (s *server) decodeOptional(w http.ResponseWriter, r *http.Request, v any) error {
	body := bufio.NewReader(r.Body)
	if _, err := body.Peek(1); errors.Is(err, io.EOF) {
		return nil
	}
	r.Body = struct {
		io.Reader
		io.Closer
	}{body, r.Body}
	return s.decode(w, r, v)
}

// Package apiclient talks to the crawler's HTTP API (docs/api.md) for the
// command line: one small client with a base URL and a bearer token, bounded
// in time and in how much of an answer it reads. It speaks the domain types
// of internal/crawler and internal/schedule, the same the API encodes, and
// turns the API's error answers into *Error, with sentinels for the two
// failures a person can fix: a wrong token (ErrUnauthorized) and an API that
// does not answer (ErrUnreachable).
//
// The calls that change something (retry, cancel, delete, pause...) send
// Config.Operator, the self-declared name the API records as having acted.
//
// It reads no environment: the caller gives it a Config. It never puts the
// token in an error or a log.
package apiclient

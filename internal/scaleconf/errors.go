package scaleconf

import "errors"

// ErrNotFound is wrapped when the module lacks a resource or attribute the
// simulation needs.
var ErrNotFound = errors.New("not in the Terraform module")

// Package scaleconf reads the worker service's scaling configuration from
// the Terraform module in deploy/terraform, so a simulation follows what
// would be deployed.
//
// It evaluates the module's own expressions with hcl/v2: variable defaults,
// locals (jsondecode, templatefile, merge and try included, so the policies
// of record in deploy/cloudwatch/*.json come in through the module exactly
// as Terraform reads them), then the attributes of the scalable target, the
// scaling policies, their alarms and the alarm that watches the publisher.
// Values only known after apply (ARNs, names of created resources) stand in
// as placeholder strings. A resource switched on by a condition
// (`for_each = var.scaling_mode == "step" ? … : {}`) is read as if on, so
// both policies are available whichever mode is the default.
package scaleconf

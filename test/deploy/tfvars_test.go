package deploy

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/ext/typeexpr"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/convert"
)

// tfvarsExample is the file a newcomer copies to terraform.tfvars
// (docs/deploy-aws.md); variables.tf is what it must agree with.
const (
	tfvarsExample = "deploy/terraform/terraform.tfvars.example"
	tfVariables   = "deploy/terraform/variables.tf"
)

// TestTerraformTfvarsExample holds the example to variables.tf: every name
// it sets is a variable, with a value of the variable's type; every variable
// without a default is set; every default it shows commented out
// ("# name = value") is a variable's real default. Terraform itself would
// only say so at plan time, which needs AWS.
func TestTerraformTfvarsExample(t *testing.T) {
	t.Parallel()
	vars, problems := terraformVariables(tfVariables, readRepoFile(t, tfVariables))
	if len(vars) < 5 {
		t.Fatalf("%s: found %d variables: has the parser stopped seeing them?", tfVariables, len(vars))
	}
	problems = append(problems, tfvarsProblems(vars, tfvarsExample, readRepoFile(t, tfvarsExample))...)
	for _, p := range problems {
		t.Error(p)
	}
}

// TestTerraformTfvarsExampleCatches shows the check failing on a broken copy
// of the example for each kind of drift it exists to catch.
func TestTerraformTfvarsExampleCatches(t *testing.T) {
	t.Parallel()
	vars, problems := terraformVariables(tfVariables, readRepoFile(t, tfVariables))
	if len(problems) > 0 {
		t.Fatalf("%s: %v", tfVariables, problems)
	}
	orig := string(readRepoFile(t, tfvarsExample))
	for _, tc := range []struct {
		name, old, new, want string
	}{
		{"sets a name that is not a variable", `aws_region = "eu-west-1"`, `aws_regoin = "eu-west-1"`, `"aws_regoin" is not a variable`},
		{"leaves a required variable out", `worker_image = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/crawler:worker-1.4.0"`, "", "worker_image has no default and is not set"},
		{"gives a value of the wrong type", `subnet_ids = ["subnet-0123456789abcdef0", "subnet-0fedcba9876543210"]`, `subnet_ids = "subnet-0123456789abcdef0"`, "subnet_ids: list of string required"},
		{"sets an expression Terraform cannot read in tfvars", `aws_region = "eu-west-1"`, `aws_region = local.region`, "aws_region: not a literal value"},
		{"shows a default that is not the real one", `# max_workers = 20`, `# max_workers = 10`, "max_workers = 10 (commented out) is not the default 20"},
		{"shows a commented name that is not a variable", `# min_workers = 0`, `# min_worker = 0`, `"min_worker" (commented out) is not a variable`},
		{"does not parse", `security_group_ids = [`, `security_group_ids = [[`, tfvarsExample + ":"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if !strings.Contains(orig, tc.old) {
				t.Fatalf("%s no longer contains %q: update the broken case", tfvarsExample, tc.old)
			}
			if got := tfvarsProblems(vars, tfvarsExample, []byte(orig)); len(got) > 0 {
				t.Fatalf("the original %s already has problems: %q", tfvarsExample, got)
			}
			got := tfvarsProblems(vars, tfvarsExample, []byte(strings.Replace(orig, tc.old, tc.new, 1)))
			if !slices.ContainsFunc(got, func(p string) bool { return strings.Contains(p, tc.want) }) {
				t.Errorf("problems %q, want one containing %q", got, tc.want)
			}
		})
	}
}

// tfVariable is what a tfvars file must respect of one variable block.
type tfVariable struct {
	typ        cty.Type // cty.DynamicPseudoType when the block gives none
	def        cty.Value
	hasDefault bool
}

// terraformVariables reads the variable blocks of one .tf file.
func terraformVariables(where string, src []byte) (map[string]tfVariable, []string) {
	file, diags := hclsyntax.ParseConfig(src, where, hcl.InitialPos)
	if diags.HasErrors() {
		return nil, []string{diags.Error()}
	}
	vars := map[string]tfVariable{}
	var problems []string
	for _, b := range file.Body.(*hclsyntax.Body).Blocks {
		if b.Type != "variable" || len(b.Labels) != 1 {
			continue
		}
		name, v := b.Labels[0], tfVariable{typ: cty.DynamicPseudoType}
		if attr, ok := b.Body.Attributes["type"]; ok {
			typ, diags := typeexpr.TypeConstraint(attr.Expr)
			if diags.HasErrors() {
				problems = append(problems, fmt.Sprintf("%s: variable %s: type: %s", where, name, diags.Error()))
				continue
			}
			v.typ = typ
		}
		if attr, ok := b.Body.Attributes["default"]; ok {
			def, diags := attr.Expr.Value(nil)
			if diags.HasErrors() {
				problems = append(problems, fmt.Sprintf("%s: variable %s: default: %s", where, name, diags.Error()))
				continue
			}
			v.def, v.hasDefault = def, true
		}
		vars[name] = v
	}
	return vars, problems
}

// commentedSetting is a default shown commented out: "# name = value".
var commentedSetting = regexp.MustCompile(`(?m)^#[ \t]*([A-Za-z_][A-Za-z0-9_-]*[ \t]*=.*)$`)

// tfvarsProblems checks a tfvars file against the variables.
func tfvarsProblems(vars map[string]tfVariable, where string, src []byte) []string {
	file, diags := hclsyntax.ParseConfig(src, where, hcl.InitialPos)
	if diags.HasErrors() {
		return []string{diags.Error()}
	}
	body := file.Body.(*hclsyntax.Body)
	var problems []string
	bad := func(format string, args ...any) { problems = append(problems, where+": "+fmt.Sprintf(format, args...)) }
	for _, b := range body.Blocks {
		bad("block %s: a tfvars file holds only name = value", b.Type)
	}
	for name, attr := range body.Attributes {
		v, ok := vars[name]
		if !ok {
			bad("%q is not a variable of %s", name, tfVariables)
			continue
		}
		val, diags := attr.Expr.Value(nil)
		if diags.HasErrors() {
			bad("%s: not a literal value (%s)", name, diags.Error())
			continue
		}
		if _, err := convert.Convert(val, v.typ); err != nil {
			bad("%s: %v", name, err)
		}
	}
	for name, v := range vars {
		if _, set := body.Attributes[name]; !set && !v.hasDefault {
			bad("%s has no default and is not set", name)
		}
	}
	for _, m := range commentedSetting.FindAllStringSubmatch(string(src), -1) {
		line, diags := hclsyntax.ParseConfig([]byte(m[1]), where, hcl.InitialPos)
		if diags.HasErrors() {
			continue // prose that happens to hold "="
		}
		for name, attr := range line.Body.(*hclsyntax.Body).Attributes {
			v, ok := vars[name]
			switch {
			case !ok:
				bad("%q (commented out) is not a variable of %s", name, tfVariables)
				continue
			case !v.hasDefault:
				bad("%s is commented out, but it has no default: set it", name)
				continue
			}
			val, diags := attr.Expr.Value(nil)
			if diags.HasErrors() {
				bad("%s (commented out): not a literal value (%s)", name, diags.Error())
				continue
			}
			got, err1 := convert.Convert(val, v.typ)
			want, err2 := convert.Convert(v.def, v.typ)
			if err1 != nil || err2 != nil || !got.Equals(want).True() {
				bad("%s = %s (commented out) is not the default %s", name, literal(val), literal(v.def))
			}
		}
	}
	slices.Sort(problems)
	return problems
}

// literal shows a value the way a tfvars file spells it.
func literal(v cty.Value) string {
	switch {
	case v.IsNull():
		return "null"
	case v.Type() == cty.String:
		return fmt.Sprintf("%q", v.AsString())
	case v.Type() == cty.Number:
		return v.AsBigFloat().Text('f', -1)
	case v.Type() == cty.Bool:
		return fmt.Sprint(v.True())
	}
	return v.GoString()
}

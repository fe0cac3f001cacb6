package scaleconf

import (
	"os"
	"path/filepath"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/ext/tryfunc"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/function"
	"github.com/zclconf/go-cty/cty/function/stdlib"
)

// functions are the Terraform functions the module's scaling and alarm
// expressions use, with Terraform's meaning.
func functions() map[string]function.Function {
	return map[string]function.Function{
		"jsondecode":   stdlib.JSONDecodeFunc,
		"jsonencode":   stdlib.JSONEncodeFunc,
		"merge":        stdlib.MergeFunc,
		"concat":       stdlib.ConcatFunc,
		"length":       stdlib.LengthFunc,
		"lookup":       stdlib.LookupFunc,
		"keys":         stdlib.KeysFunc,
		"values":       stdlib.ValuesFunc,
		"contains":     stdlib.ContainsFunc,
		"coalesce":     stdlib.CoalesceFunc,
		"format":       stdlib.FormatFunc,
		"join":         stdlib.JoinFunc,
		"lower":        stdlib.LowerFunc,
		"upper":        stdlib.UpperFunc,
		"replace":      stdlib.ReplaceFunc,
		"tostring":     stdlib.MakeToFunc(cty.String),
		"tonumber":     stdlib.MakeToFunc(cty.Number),
		"try":          tryfunc.TryFunc,
		"can":          tryfunc.CanFunc,
		"file":         fileFunc(),
		"templatefile": templateFileFunc(),
	}
}

// readFile reads p as Terraform does: a relative path is relative to the
// working directory, which is why modules write "${path.module}/…"
// (path.module is the module's directory as given to Read).
func readFile(p string) ([]byte, error) { return os.ReadFile(filepath.Clean(p)) }

func fileFunc() function.Function {
	return function.New(&function.Spec{
		Params: []function.Parameter{{Name: "path", Type: cty.String}},
		Type:   function.StaticReturnType(cty.String),
		Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
			b, err := readFile(args[0].AsString())
			if err != nil {
				return cty.NilVal, err
			}
			return cty.StringVal(string(b)), nil
		},
	})
}

// templateFileFunc renders a file as a Terraform string template with the
// given variables, as templatefile does.
func templateFileFunc() function.Function {
	return function.New(&function.Spec{
		Params: []function.Parameter{{Name: "path", Type: cty.String}, {Name: "vars", Type: cty.DynamicPseudoType}},
		Type:   function.StaticReturnType(cty.String),
		Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
			p := args[0].AsString()
			b, err := readFile(p)
			if err != nil {
				return cty.NilVal, err
			}
			tmpl, diags := hclsyntax.ParseTemplate(b, p, hcl.InitialPos)
			if diags.HasErrors() {
				return cty.NilVal, diags
			}
			vars := map[string]cty.Value{}
			if v := args[1]; !v.IsNull() && (v.Type().IsObjectType() || v.Type().IsMapType()) {
				vars = v.AsValueMap()
			}
			out, diags := tmpl.Value(&hcl.EvalContext{Variables: vars, Functions: functions()})
			if diags.HasErrors() {
				return cty.NilVal, diags
			}
			return out, nil
		},
	})
}

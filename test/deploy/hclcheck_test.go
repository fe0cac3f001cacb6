package deploy

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
)

// checkTerraform parses one .tf file and returns its syntax errors, the
// metrics its literal metric_name attributes name that the table does not
// know, and the files its ${path.module} references that do not exist.
func checkTerraform(k known, where, dir string, src []byte) []string {
	file, diags := hclsyntax.ParseConfig(src, where, hcl.InitialPos)
	if diags.HasErrors() {
		return []string{fmt.Sprintf("%s: %s", where, diags.Error())}
	}
	var problems []string
	var walk func(b *hclsyntax.Body, block string)
	walk = func(b *hclsyntax.Body, block string) {
		if attr, ok := b.Attributes["metric_name"]; ok {
			if name, ok := literalString(attr.Expr); ok {
				r := cwRef{where: fmt.Sprintf("%s %s", where, block), name: name, namespace: namespacePlaceholder, dims: map[string]string{}}
				if ns, ok := b.Attributes["namespace"]; ok && !isVarNamespace(ns.Expr) {
					r.namespace, _ = literalString(ns.Expr)
				}
				if d, ok := b.Attributes["dimensions"]; ok {
					v, diags := d.Expr.Value(nil)
					if !diags.HasErrors() && (v.Type().IsObjectType() || v.Type().IsMapType()) {
						for n, val := range v.AsValueMap() {
							r.dims[n] = val.AsString()
						}
					}
				}
				problems = append(problems, checkCWRef(k, r)...)
			}
		}
		for _, sub := range b.Blocks {
			name := sub.Type
			if len(sub.Labels) > 0 {
				name = fmt.Sprintf("%s.%s", sub.Type, sub.Labels[len(sub.Labels)-1])
			}
			if block != "" {
				name = block + "/" + name
			}
			walk(sub.Body, name)
		}
	}
	walk(file.Body.(*hclsyntax.Body), "")
	for _, m := range regexp.MustCompile(`\$\{path\.module\}/([^"]+)"`).FindAllStringSubmatch(string(src), -1) {
		if _, err := os.Stat(filepath.Join(dir, m[1])); err != nil {
			problems = append(problems, fmt.Sprintf("%s: references %s, which does not exist", where, m[1]))
		}
	}
	return problems
}

func literalString(e hclsyntax.Expression) (string, bool) {
	v, diags := e.Value(nil)
	if diags.HasErrors() || !v.IsKnown() || v.Type() != cty.String {
		return "", false
	}
	return v.AsString(), true
}

// isVarNamespace reports whether e is var.namespace, the Terraform form of
// the JSON files' ${namespace}.
func isVarNamespace(e hclsyntax.Expression) bool {
	t, ok := e.(*hclsyntax.ScopeTraversalExpr)
	if !ok || len(t.Traversal) != 2 || t.Traversal.RootName() != "var" {
		return false
	}
	a, ok := t.Traversal[1].(hcl.TraverseAttr)
	return ok && a.Name == "namespace"
}

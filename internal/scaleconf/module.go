package scaleconf

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
)

// module is a parsed Terraform module with its locals evaluated.
type module struct {
	dir       string
	vars      map[string]cty.Value
	locals    map[string]cty.Value
	resources []resource
	ctx       *hcl.EvalContext
}

type resource struct {
	typ, name string
	body      *hclsyntax.Body
}

func load(dir string) (*module, error) {
	paths, err := filepath.Glob(filepath.Join(dir, "*.tf"))
	if err != nil || len(paths) == 0 {
		return nil, fmt.Errorf("no .tf files in %s: %w", dir, ErrNotFound)
	}
	sort.Strings(paths)
	m := &module{dir: dir, vars: map[string]cty.Value{}, locals: map[string]cty.Value{}}
	localExprs := map[string]hclsyntax.Expression{}
	var exprs []hclsyntax.Expression
	for _, p := range paths {
		src, err := os.ReadFile(p)
		if err != nil {
			return nil, err
		}
		f, diags := hclsyntax.ParseConfig(src, p, hcl.InitialPos)
		if diags.HasErrors() {
			return nil, fmt.Errorf("parse: %w", diags)
		}
		for _, b := range f.Body.(*hclsyntax.Body).Blocks {
			switch {
			case b.Type == "variable" && len(b.Labels) == 1:
				v := cty.DynamicVal
				if a, ok := b.Body.Attributes["default"]; ok {
					if dv, d := a.Expr.Value(nil); !d.HasErrors() {
						v = dv
					}
				}
				m.vars[b.Labels[0]] = v
			case b.Type == "locals":
				for n, a := range b.Body.Attributes {
					localExprs[n] = a.Expr
					exprs = append(exprs, a.Expr)
				}
			case b.Type == "resource" && len(b.Labels) == 2:
				m.resources = append(m.resources, resource{typ: b.Labels[0], name: b.Labels[1], body: b.Body})
				exprs = append(exprs, allExprs(b.Body)...)
			}
		}
	}
	m.ctx = &hcl.EvalContext{Variables: placeholders(exprs), Functions: functions()}
	m.ctx.Variables["var"] = cty.ObjectVal(m.vars)
	m.ctx.Variables["path"] = cty.ObjectVal(map[string]cty.Value{"module": cty.StringVal(dir)})
	m.evalLocals(localExprs)
	return m, nil
}

// evalLocals evaluates locals in as many passes as their dependencies need;
// a local that never evaluates (it needs what only apply knows) stays out.
func (m *module) evalLocals(exprs map[string]hclsyntax.Expression) {
	for progress := true; progress && len(exprs) > 0; {
		progress = false
		m.ctx.Variables["local"] = cty.ObjectVal(m.locals)
		for n, e := range exprs {
			v, diags := e.Value(m.ctx)
			if diags.HasErrors() || !v.IsWhollyKnown() {
				continue
			}
			m.locals[n] = v
			delete(exprs, n)
			progress = true
		}
	}
	m.ctx.Variables["local"] = cty.ObjectVal(m.locals)
}

func allExprs(b *hclsyntax.Body) []hclsyntax.Expression {
	var out []hclsyntax.Expression
	for _, a := range b.Attributes {
		out = append(out, a.Expr)
	}
	for _, sub := range b.Blocks {
		out = append(out, allExprs(sub.Body)...)
	}
	return out
}

// placeholders gives every reference to a resource or data source a value:
// a string naming the reference, with the objects and tuples around it.
func placeholders(exprs []hclsyntax.Expression) map[string]cty.Value {
	root := &node{}
	skip := map[string]bool{"var": true, "local": true, "path": true, "each": true, "count": true, "self": true, "terraform": true}
	for _, e := range exprs {
		for _, t := range e.Variables() {
			if skip[t.RootName()] {
				continue
			}
			n := root.child(t.RootName())
			for _, step := range t[1:] {
				switch s := step.(type) {
				case hcl.TraverseAttr:
					n = n.child(s.Name)
				case hcl.TraverseIndex:
					if s.Key.Type() == cty.Number {
						i, _ := s.Key.AsBigFloat().Int64()
						n = n.index(int(i))
					} else if s.Key.Type() == cty.String {
						n = n.child(s.Key.AsString())
					}
				}
			}
		}
	}
	out := map[string]cty.Value{}
	for k, c := range root.attrs {
		out[k] = c.value(k)
	}
	return out
}

type node struct {
	attrs map[string]*node
	items map[int]*node
}

func (n *node) child(k string) *node {
	if n.attrs == nil {
		n.attrs = map[string]*node{}
	}
	if n.attrs[k] == nil {
		n.attrs[k] = &node{}
	}
	return n.attrs[k]
}

func (n *node) index(i int) *node {
	if n.items == nil {
		n.items = map[int]*node{}
	}
	if n.items[i] == nil {
		n.items[i] = &node{}
	}
	return n.items[i]
}

func (n *node) value(path string) cty.Value {
	switch {
	case n.items != nil:
		size := 0
		for i := range n.items {
			size = max(size, i+1)
		}
		vals := make([]cty.Value, size)
		for i := range vals {
			c := n.items[i]
			if c == nil {
				c = &node{}
			}
			vals[i] = c.value(fmt.Sprintf("%s[%d]", path, i))
		}
		return cty.TupleVal(vals)
	case n.attrs != nil:
		m := map[string]cty.Value{}
		for k, c := range n.attrs {
			m[k] = c.value(path + "." + k)
		}
		return cty.ObjectVal(m)
	}
	return cty.StringVal("<" + strings.TrimPrefix(path, ".") + ">")
}

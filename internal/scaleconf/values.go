package scaleconf

import (
	"fmt"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/gocty"
)

// The attribute readers evaluate one attribute of a block in the module's
// context, plus extra variables (each, a dynamic block's iterator).

func (m *module) with(extra map[string]cty.Value) *hcl.EvalContext {
	if extra == nil {
		return m.ctx
	}
	c := m.ctx.NewChild()
	c.Variables = extra
	return c
}

func (m *module) value(b *hclsyntax.Body, extra map[string]cty.Value, name string) (cty.Value, error) {
	a, ok := b.Attributes[name]
	if !ok {
		return cty.NullVal(cty.DynamicPseudoType), nil
	}
	v, diags := a.Expr.Value(m.with(extra))
	if diags.HasErrors() {
		return cty.NilVal, fmt.Errorf("%s: %w", name, diags)
	}
	return v, nil
}

func (m *module) num(b *hclsyntax.Body, extra map[string]cty.Value, name string) (float64, error) {
	v, err := m.value(b, extra, name)
	if err != nil {
		return 0, err
	}
	if v.IsNull() {
		return 0, fmt.Errorf("%s: %w", name, ErrNotFound)
	}
	var f float64
	if err := gocty.FromCtyValue(v, &f); err != nil {
		return 0, fmt.Errorf("%s: %w", name, err)
	}
	return f, nil
}

func (m *module) optNum(b *hclsyntax.Body, extra map[string]cty.Value, name string, def float64) (float64, error) {
	v, err := m.value(b, extra, name)
	if err != nil || v.IsNull() {
		return def, err
	}
	return m.num(b, extra, name)
}

func (m *module) ints(b *hclsyntax.Body, extra map[string]cty.Value, into map[string]*int) error {
	for name, p := range into {
		f, err := m.num(b, extra, name)
		if err != nil {
			return err
		}
		*p = int(f)
	}
	return nil
}

func (m *module) str(b *hclsyntax.Body, extra map[string]cty.Value, name string) (string, error) {
	v, err := m.value(b, extra, name)
	if err != nil {
		return "", err
	}
	if v.IsNull() || v.Type() != cty.String {
		return "", fmt.Errorf("%s: %w", name, ErrNotFound)
	}
	return v.AsString(), nil
}

func (m *module) boolean(b *hclsyntax.Body, extra map[string]cty.Value, name string) (bool, error) {
	v, err := m.value(b, extra, name)
	if err != nil || v.IsNull() {
		return false, err
	}
	var out bool
	if err := gocty.FromCtyValue(v, &out); err != nil {
		return false, fmt.Errorf("%s: %w", name, err)
	}
	return out, nil
}

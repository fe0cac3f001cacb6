package deploy

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
)

// promToken is one lexeme of a PromQL expression.
type promToken struct {
	kind byte // 'i' identifier, 's' string, 'n' number or duration, 'p' punctuation
	text string
}

// lexPromQL splits expr into tokens. It is not a PromQL parser: it knows
// just enough (identifiers, strings, numbers, operators) to find the metric
// and label names an expression uses.
func lexPromQL(expr string) ([]promToken, error) {
	var out []promToken
	for i := 0; i < len(expr); {
		c := expr[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
		case c == '#': // comment to the end of the line
			for i < len(expr) && expr[i] != '\n' {
				i++
			}
		case c == '"' || c == '\'' || c == '`':
			j := i + 1
			for j < len(expr) && expr[j] != c {
				if expr[j] == '\\' && c != '`' {
					j++
				}
				j++
			}
			if j >= len(expr) {
				return nil, fmt.Errorf("unterminated string at %d", i)
			}
			out = append(out, promToken{'s', expr[i+1 : j]})
			i = j + 1
		case isIdentStart(c):
			j := i
			for j < len(expr) && (isIdentStart(expr[j]) || (expr[j] >= '0' && expr[j] <= '9')) {
				j++
			}
			out = append(out, promToken{'i', expr[i:j]})
			i = j
		case c >= '0' && c <= '9' || c == '.':
			j := i
			for j < len(expr) && (isIdentStart(expr[j]) || expr[j] >= '0' && expr[j] <= '9' || expr[j] == '.') {
				j++
			}
			out = append(out, promToken{'n', expr[i:j]})
			i = j
		default:
			if i+1 < len(expr) && strings.Contains("!= =~ !~ == >= <=", expr[i:i+2]) && expr[i+1] != ' ' {
				out = append(out, promToken{'p', expr[i : i+2]})
				i += 2
				continue
			}
			out = append(out, promToken{'p', string(c)})
			i++
		}
	}
	return out, nil
}

func isIdentStart(c byte) bool {
	return c == '_' || c == ':' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

// promKeywords are identifiers that name no metric when not followed by "(".
var promKeywords = []string{"and", "or", "unless", "bool", "offset", "by", "without", "on", "ignoring", "group_left", "group_right", "inf", "nan", "Inf", "NaN", "atan2"}

// labelClauses take a parenthesised list of label names.
var labelClauses = []string{"by", "without", "on", "ignoring", "group_left", "group_right"}

// checkPromQL returns what in expr the metrics table does not know: metric
// names, label names (on their metric where one is named), and values of
// enumerated labels. Labels made by label_replace count as known, and so do
// the labels a Grafana legend names (checked against the same set).
func checkPromQL(k known, where, expr, legend string) []string {
	toks, err := lexPromQL(expr)
	if err != nil {
		return []string{fmt.Sprintf("%s: %v", where, err)}
	}
	made := madeLabels(toks)
	var problems []string
	bad := func(format string, args ...any) {
		problems = append(problems, where+": "+fmt.Sprintf(format, args...))
	}
	labelOK := func(l string, series *promSeries) bool {
		if made[l] {
			return true
		}
		if series != nil {
			_, ok := series.labels[l]
			return ok || l == "__name__"
		}
		return k.labels[l]
	}
	for i := 0; i < len(toks); i++ {
		tok := toks[i]
		next := func(n int) promToken {
			if i+n < len(toks) {
				return toks[i+n]
			}
			return promToken{}
		}
		switch {
		case tok.kind == 'i' && slices.Contains(labelClauses, tok.text) && next(1).text == "(":
			j := i + 2
			for ; j < len(toks) && toks[j].text != ")"; j++ {
				if toks[j].kind == 'i' && !labelOK(toks[j].text, nil) {
					bad("label %q in %s(...) is not in the metrics table", toks[j].text, tok.text)
				}
			}
			i = j
		case tok.kind == 'i' && (next(1).text == "(" || next(1).text == "by" || next(1).text == "without"):
			// a function, or an aggregation (its clause may come first)
		case tok.kind == 'i' && slices.Contains(promKeywords, tok.text):
		case tok.kind == 'i':
			series, ok := k.prom[tok.text]
			if !ok {
				bad("metric %q is not in the metrics table (nor among the exporters' health metrics)", tok.text)
				continue
			}
			if next(1).text == "{" {
				i = checkMatchers(k, toks, i+1, &series, labelOK, bad)
			}
		case tok.text == "{":
			i = checkMatchers(k, toks, i, nil, labelOK, bad)
		}
	}
	for _, m := range regexp.MustCompile(`\{\{\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*\}\}`).FindAllStringSubmatch(legend, -1) {
		if !labelOK(m[1], nil) {
			bad("legend names label %q, which no series has", m[1])
		}
	}
	return problems
}

// checkMatchers checks the label matchers of a selector starting at the
// "{" at toks[open] and returns the index of its "}".
func checkMatchers(k known, toks []promToken, open int, series *promSeries, labelOK func(string, *promSeries) bool, bad func(string, ...any)) int {
	j := open + 1
	for ; j < len(toks) && toks[j].text != "}"; j++ {
		if toks[j].kind != 'i' {
			continue
		}
		label := toks[j].text
		if !labelOK(label, series) {
			if series != nil {
				bad("label %q is not an attribute of %s", label, series.def.Name)
			} else {
				bad("label %q is not in the metrics table", label)
			}
		}
		if j+2 < len(toks) && (toks[j+1].text == "=" || toks[j+1].text == "!=") && toks[j+2].kind == 's' {
			values := k.labelVals[label]
			if series != nil {
				values = series.labels[label]
			}
			if values != nil && !slices.Contains(values, toks[j+2].text) {
				bad("%s=%q: not a value of %s (valid: %s)", label, toks[j+2].text, label, strings.Join(values, ", "))
			}
		}
	}
	return j
}

// madeLabels finds the labels label_replace creates (its second argument),
// which later clauses and legends may use.
func madeLabels(toks []promToken) map[string]bool {
	made := map[string]bool{}
	for i := 0; i+1 < len(toks); i++ {
		if toks[i].text != "label_replace" || toks[i+1].text != "(" {
			continue
		}
		depth, commas := 0, 0
		for j := i + 1; j < len(toks); j++ {
			switch toks[j].text {
			case "(", "{", "[":
				depth++
			case ")", "}", "]":
				depth--
			case ",":
				if depth == 1 {
					commas++
				}
			}
			if depth == 0 {
				break
			}
			if toks[j].kind == 's' && depth == 1 && commas == 1 {
				made[toks[j].text] = true
			}
		}
	}
	return made
}

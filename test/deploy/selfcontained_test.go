package deploy

import (
	"bytes"
	"errors"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// productDoc is the product contract kept outside the repository, which
// the repository must not cite: its content lives in docs/. Spelt in two
// halves so this file does not mention it.
const productDoc = "PRODUCT" + ".md"

// TestSelfContained fails when a file of the repository reads or links a
// path outside it, or cites the product contract kept beside it: CI runs
// on a clean clone, and a stranger's clone has nothing next to it.
func TestSelfContained(t *testing.T) {
	t.Parallel()
	root := repoRoot(t)
	files := repoFiles(t, root)
	if len(files) < 100 {
		t.Fatalf("only %d files listed: has the listing stopped seeing them?", len(files))
	}
	for _, rel := range files {
		body, err := os.ReadFile(filepath.Join(root, filepath.FromSlash(rel)))
		if errors.Is(err, fs.ErrNotExist) {
			continue // deleted in the work tree, still in the index
		}
		if err != nil {
			t.Error(err)
			continue
		}
		for _, p := range outsideRefs(rel, body) {
			t.Error(p)
		}
	}
}

// TestSelfContainedCatches shows the check failing on each kind of
// reference it exists to catch, and passing on the climbs that stay inside.
// "{up}" stands for "../" and "{product}" for the contract's file name, so
// that this file holds neither.
func TestSelfContainedCatches(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, file, body, want string // want "": no problem
	}{
		{"Go literal climbs above the root", "otel/emf/validate_test.go",
			`const p = "{up}{up}{up}shared/reference/emf-schema.json"`, `"{up}{up}{up}shared/reference/emf-schema.json" leaves the repository`},
		{"Go literal climbs to the root", "otel/emf/validate_test.go", `const p = "{up}{up}go.mod"`, ""},
		{"filepath.Join climbs above the root", "otel/emf/validate_test.go",
			"package emf\nvar p = filepath.Join(\"..\", \"..\", \"..\", \"shared\", \"x.json\")\n", "filepath.Join leaves the repository"},
		{"filepath.Join from a variable climbs above the root", "test/deploy/files_test.go",
			"package deploy\nvar p = filepath.Join(filepath.Dir(file), \"..\", \"..\", \"..\")\n", "filepath.Join leaves the repository"},
		{"filepath.Join from a variable stays inside", "test/deploy/files_test.go",
			"package deploy\nvar p = filepath.Join(filepath.Dir(file), \"..\", \"..\")\n", ""},
		{"Markdown link above the root", "README.md", "The variables of [the contract]({up}shared/x.md).", "leaves the repository"},
		{"Markdown link from docs/ above the root", "docs/api.md", "See [x]({up}{up}x.md#top).", "leaves the repository"},
		{"Markdown link from a folder to the root", "deploy/README.md", "[Dockerfile]({up}Dockerfile), [m]({up}docs/metrics.md)", ""},
		{"go.mod replace to the root", "bench/crawl/colly/go.mod", "replace x => {up}{up}..", ""},
		{"go.mod replace above the root", "bench/crawl/colly/go.mod", "replace x => {up}{up}{up}..", "leaves the repository"},
		{"script climbs from its own folder", "bench/queue/run.sh", `root=$(cd "$here/{up}.." && pwd)`, ""},
		{"script climbs above the root", "bench/queue/run.sh", `cat "$here/{up}{up}{up}shared/x"`, "leaves the repository"},
		{"Terraform path.module", "deploy/terraform/alarms.tf", `templatefile("${path.module}/{up}cloudwatch/alarms.json", {`, ""},
		{"cd to the parent of the script's folder", ".ci/run", `cd "$(dirname "$0")/.."`, ""},
		{"URL path with a dot-dot segment", "internal/rank/match_test.go", `"/a/{up}b", "https://x.test/{up}{up}{up}y"`, ""},
		{"ellipsis", "README.md", "a list... and more.", ""},
		{"mentions the contract", "internal/api/doc.go", "// Package api is the HTTP API of {product}: jobs", "mentions " + productDoc},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			expand := strings.NewReplacer("{up}", "../", "{product}", productDoc)
			problems := outsideRefs(tc.file, []byte(expand.Replace(tc.body)))
			want := expand.Replace(tc.want)
			switch {
			case want == "" && len(problems) > 0:
				t.Errorf("problems %q, want none", problems)
			case want != "" && !slices.ContainsFunc(problems, func(p string) bool { return strings.Contains(p, want) }):
				t.Errorf("problems %q, want one containing %q", problems, want)
			}
		})
	}
}

// repoFiles lists the repository's files, slash-separated and relative to
// root: those git tracks and those it would track (new, not ignored), so a
// file fails before it is committed. Outside a git checkout (an unpacked
// archive) it walks the tree.
func repoFiles(t *testing.T, root string) []string {
	t.Helper()
	out, err := exec.Command("git", "-C", root, "ls-files", "-z", "--cached", "--others", "--exclude-standard").Output()
	if err == nil {
		var files []string
		for _, f := range strings.Split(string(out), "\x00") {
			if f != "" && !slices.Contains(files, f) {
				files = append(files, f)
			}
		}
		return files
	}
	t.Logf("git ls-files: %v; walking the tree instead", err)
	var files []string
	err = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && d.Name() == ".git" {
			return filepath.SkipDir
		}
		if d.Type().IsRegular() {
			rel, _ := filepath.Rel(root, p)
			files = append(files, filepath.ToSlash(rel))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

// outsideRefs returns what in file rel (relative to the root) reaches
// outside the repository:
//   - a mention of the product contract kept beside the repository;
//   - a relative path with a ".." segment that, resolved from the file's
//     folder, leaves the root: in Go string literals, Markdown links,
//     scripts and configuration alike. A path that starts with a variable
//     ($here, ${path.module}, $(dirname "$0")) is read from the file's
//     folder, which is what those variables hold in this repository;
//     absolute paths, URLs and ~ are not the repository's to judge;
//   - in Go, a filepath.Join or path.Join of literals that leaves the root
//     (a non-literal first argument counts as the file's folder, a later
//     one as ".").
//
// Binary files are skipped.
func outsideRefs(rel string, body []byte) []string {
	if bytes.IndexByte(body, 0) >= 0 {
		return nil
	}
	dir := path.Dir(rel)
	var problems []string
	for i, line := range strings.Split(string(body), "\n") {
		where := fmt.Sprintf("%s:%d", rel, i+1)
		if strings.Contains(line, productDoc) {
			problems = append(problems, fmt.Sprintf("%s: mentions %s, which is not in the repository; cite the docs/ page that holds what it means", where, productDoc))
		}
		for _, ref := range climbingPaths(line) {
			if to, out := leaves(dir, ref); out {
				problems = append(problems, fmt.Sprintf("%s: %q leaves the repository (from %s it resolves to %s)", where, ref, folder(dir), to))
			}
		}
	}
	if strings.HasSuffix(rel, ".go") {
		problems = append(problems, goJoinProblems(rel, body)...)
	}
	return problems
}

// pathDelims end a path token: space, quotes, brackets, and the punctuation
// that surrounds paths in prose, code and configuration.
const pathDelims = " \t\r\"'`()[]<>{},;|=!?*\\"

// climbingPaths returns the path tokens of line that hold a ".." segment,
// each as a path relative to the file's folder.
func climbingPaths(line string) []string {
	var refs []string
	for i := 0; i+2 <= len(line); i++ {
		if line[i:i+2] != ".." {
			continue
		}
		before := i == 0 || line[i-1] == '/' || strings.IndexByte(pathDelims, line[i-1]) >= 0
		after := i+2 == len(line) || line[i+2] == '/' || strings.IndexByte(pathDelims, line[i+2]) >= 0
		if !before || !after {
			continue // "...", "a..b"
		}
		start := i
		for start > 0 && strings.IndexByte(pathDelims, line[start-1]) < 0 {
			start--
		}
		end := i + 2
		for end < len(line) && strings.IndexByte(pathDelims, line[end]) < 0 {
			end++
		}
		i = end
		tok := line[start:end]
		if j := strings.IndexAny(tok, "#?"); j >= 0 {
			tok = tok[:j] // a link's anchor or query
		}
		switch first, _, _ := strings.Cut(tok, "/"); {
		case strings.Contains(tok, "://"), strings.HasPrefix(tok, "~"):
			continue
		case strings.HasPrefix(tok, "/"):
			// Absolute, unless it follows a variable's closing bracket:
			// $(dirname "$0")/.. or ${path.module}/../x.
			if start == 0 || (line[start-1] != ')' && line[start-1] != '}') {
				continue
			}
			tok = strings.TrimPrefix(tok, "/")
		case strings.Contains(first, "$"):
			tok = strings.TrimPrefix(tok[len(first):], "/")
		}
		refs = append(refs, tok)
	}
	return refs
}

func folder(dir string) string {
	if dir == "." {
		return "the root"
	}
	return dir + "/"
}

// leaves resolves ref from dir (both relative to the root) and reports
// whether the result is outside the root.
func leaves(dir, ref string) (string, bool) {
	to := path.Join(dir, ref)
	return to, to == ".." || strings.HasPrefix(to, "../")
}

// goJoinProblems finds filepath.Join and path.Join calls whose literal
// arguments climb out of the root from the file's folder.
func goJoinProblems(rel string, body []byte) []string {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, rel, body, parser.SkipObjectResolution)
	if err != nil {
		return nil // not Go (testdata); the compiler judges the rest
	}
	var problems []string
	ast.Inspect(f, func(n ast.Node) bool {
		call, ok := n.(*ast.CallExpr)
		if !ok {
			return true
		}
		sel, ok := call.Fun.(*ast.SelectorExpr)
		if !ok || sel.Sel.Name != "Join" {
			return true
		}
		if pkg, ok := sel.X.(*ast.Ident); !ok || (pkg.Name != "filepath" && pkg.Name != "path") {
			return true
		}
		parts := []string{path.Dir(rel)}
		for i, arg := range call.Args {
			lit, ok := arg.(*ast.BasicLit)
			if !ok || lit.Kind != token.STRING {
				if i > 0 {
					parts = append(parts, ".")
				}
				continue
			}
			s, err := strconv.Unquote(lit.Value)
			if err != nil {
				return true
			}
			parts = append(parts, s)
		}
		if to := path.Join(parts...); to == ".." || strings.HasPrefix(to, "../") {
			problems = append(problems, fmt.Sprintf("%s: %s.Join leaves the repository (resolves to %s)",
				fset.Position(call.Pos()), sel.X.(*ast.Ident).Name, to))
		}
		return true
	})
	return problems
}

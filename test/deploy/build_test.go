package deploy

import (
	"os/exec"
	"regexp"
	"strings"
	"testing"
)

// TestBuildLinksNoTemplates holds every build of cmd/crawler that ships or
// is measured to the Dockerfile's build tags, and checks that with them the
// binary links neither text/template nor html/template. Those look methods
// up by name through reflect, which makes the linker keep every exported
// method of every type it keeps: the binary grew from 26 to 37 MB and each
// process held about 4 MB more (bench/README.md). gRPC brings them in
// through golang.org/x/net/trace unless built with grpcnotrace.
func TestBuildLinksNoTemplates(t *testing.T) {
	t.Parallel()
	m := regexp.MustCompile(`go build -tags (\S+) `).FindStringSubmatch(string(readRepoFile(t, "Dockerfile")))
	if m == nil {
		t.Fatal("Dockerfile: no `go build -tags TAGS` line for cmd/crawler")
	}
	tags := m[1]
	for file, want := range map[string]string{
		"bench/service/run.sh":          "go build -tags " + tags + " ",
		"test/integration/main_test.go": `"go", "build", "-tags", "` + tags + `"`,
		"test/deploy/stack_test.go":     `"go", "build", "-tags", "` + tags + `"`,
	} {
		if !strings.Contains(string(readRepoFile(t, file)), want) {
			t.Errorf("%s builds cmd/crawler without the Dockerfile's tags (want %s)", file, want)
		}
	}

	list := exec.CommandContext(t.Context(), "go", "list", "-deps", "-tags", tags,
		"-f", `{{.ImportPath}}{{range .Imports}} {{.}}{{end}}`, "./cmd/crawler")
	list.Dir = repoRoot(t)
	out, err := list.Output()
	if err != nil {
		t.Fatalf("go list -deps -tags %s ./cmd/crawler: %v", tags, err)
	}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		pkg, imports, _ := strings.Cut(line, " ")
		for _, imp := range strings.Fields(imports) {
			if imp == "text/template" || imp == "html/template" {
				t.Errorf("cmd/crawler (-tags %s) links %s through %s: the linker then keeps every exported method", tags, imp, pkg)
			}
		}
	}
}

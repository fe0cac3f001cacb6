package deploy

import (
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/crawler-service/crawler/internal/crawler"
)

// TestErrorTypesDocumented checks that docs/errors.md's table lists exactly
// the job error types of internal/crawler, in their order.
func TestErrorTypesDocumented(t *testing.T) {
	t.Parallel()
	var documented []string
	for _, m := range regexp.MustCompile("(?m)^\\| `([a-z0-9_]+)` \\|").FindAllStringSubmatch(string(readRepoFile(t, "docs/errors.md")), -1) {
		documented = append(documented, m[1])
	}
	var types []string
	for _, et := range crawler.ErrorTypes {
		types = append(types, string(et))
	}
	if !slices.Equal(documented, types) {
		t.Errorf("docs/errors.md lists %v, internal/crawler has %v", documented, types)
	}
}

// TestDocsLinksResolve checks that every relative link of the repository's
// Markdown files names a file or folder that exists.
func TestDocsLinksResolve(t *testing.T) {
	t.Parallel()
	root := repoRoot(t)
	link := regexp.MustCompile(`\]\(([^)\s]+)`)
	checked := 0
	for _, rel := range repoFiles(t, root) {
		if !strings.HasSuffix(rel, ".md") {
			continue
		}
		body, err := os.ReadFile(filepath.Join(root, filepath.FromSlash(rel)))
		if err != nil {
			continue // deleted in the work tree
		}
		for _, m := range link.FindAllStringSubmatch(string(body), -1) {
			target, _, _ := strings.Cut(m[1], "#")
			if target == "" || strings.Contains(target, "://") || strings.HasPrefix(target, "mailto:") || strings.HasPrefix(target, "/") {
				continue
			}
			checked++
			to := path.Join(path.Dir(rel), target)
			if _, err := os.Stat(filepath.Join(root, filepath.FromSlash(to))); err != nil {
				t.Errorf("%s links %s, which does not exist", rel, m[1])
			}
		}
	}
	if checked < 10 {
		t.Errorf("checked %d links: has the search stopped seeing them?", checked)
	}
}

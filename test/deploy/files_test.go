package deploy

import (
	"os"
	"path/filepath"
	"runtime"
	"testing"
)

// repoRoot is the repository's root, found from this file's place so the
// tests read the files they check wherever go test runs them from.
func repoRoot(t testing.TB) string {
	t.Helper()
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		t.Fatal("cannot locate the test's source file")
	}
	return filepath.Clean(filepath.Join(filepath.Dir(file), "..", ".."))
}

// repoPath joins rel (slash-separated) to the repository root.
func repoPath(t testing.TB, rel string) string {
	t.Helper()
	return filepath.Join(repoRoot(t), filepath.FromSlash(rel))
}

func readRepoFile(t testing.TB, rel string) []byte {
	t.Helper()
	return readFile(t, repoPath(t, rel))
}

func readFileErr(path string) ([]byte, error) { return os.ReadFile(path) }

func readFile(t testing.TB, path string) []byte {
	t.Helper()
	b, err := readFileErr(path)
	if err != nil {
		t.Fatalf("read %s: %v", path, err)
	}
	return b
}

package deploy

import (
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"go.yaml.in/yaml/v4"

	"github.com/crawler-service/crawler/internal/config"
	"github.com/crawler-service/crawler/internal/metrics"
	"github.com/crawler-service/crawler/otel"
)

// awsCollectorProblems checks the AWS collector's renames (instrument →
// published name, attribute → dimension) and its EMF declarations against
// the table.
func awsCollectorProblems(k known, rel string, body []byte) (int, []string) {
	var c struct {
		Processors struct {
			MetricsTransform struct {
				Transforms []struct {
					Include    string `yaml:"include"`
					NewName    string `yaml:"new_name"`
					Operations []struct {
						Label    string `yaml:"label"`
						NewLabel string `yaml:"new_label"`
					} `yaml:"operations"`
				} `yaml:"transforms"`
			} `yaml:"metricstransform"`
		} `yaml:"processors"`
		Exporters struct {
			AWSEMF struct {
				Declarations []struct {
					Dimensions [][]string `yaml:"dimensions"`
					Selectors  []string   `yaml:"metric_name_selectors"`
				} `yaml:"metric_declarations"`
			} `yaml:"awsemf"`
		} `yaml:"exporters"`
	}
	if err := yaml.Unmarshal(body, &c); err != nil {
		return 0, []string{fmt.Sprintf("%s: %v", rel, err)}
	}
	n, problems := 0, []string(nil)
	bad := func(format string, args ...any) { problems = append(problems, rel+": "+fmt.Sprintf(format, args...)) }
	for _, tr := range c.Processors.MetricsTransform.Transforms {
		n++
		d, ok := k.otel[tr.Include]
		switch {
		case !ok:
			bad("metricstransform includes %q, which is not in the metrics table", tr.Include)
			continue
		case tr.NewName != d.CloudWatchName:
			bad("metricstransform renames %s to %q, the table publishes it as %q", tr.Include, tr.NewName, d.CloudWatchName)
		}
		for _, op := range tr.Operations {
			i := slices.IndexFunc(d.Attributes, func(a metrics.Attribute) bool { return a.Key == op.Label })
			if i < 0 || d.Attributes[i].CloudWatch != op.NewLabel {
				bad("metricstransform renames %s's %q to %q: not an attribute and its dimension in the table", tr.Include, op.Label, op.NewLabel)
			}
		}
	}
	for _, decl := range c.Exporters.AWSEMF.Declarations {
		for _, name := range decl.Selectors {
			n++
			for _, dims := range decl.Dimensions {
				problems = append(problems, checkCWRef(k, cwRef{where: rel + " awsemf", name: name, namespace: namespacePlaceholder, dims: setOf(dims)})...)
			}
		}
	}
	return n, problems
}

func setOf(names []string) map[string]string {
	m := make(map[string]string, len(names))
	for _, n := range names {
		m[n] = ""
	}
	return m
}

// taskDefinitionProblems checks the worker task: its process and the
// variables it sets, against the configuration the binary reads.
func taskDefinitionProblems(root, rel string, body []byte) (int, []string) {
	var td struct {
		Containers []struct {
			Name        string   `json:"name"`
			Command     []string `json:"command"`
			Environment []struct {
				Name  string `json:"name"`
				Value string `json:"value"`
			} `json:"environment"`
			Secrets []struct {
				Name string `json:"name"`
			} `json:"secrets"`
		} `json:"containerDefinitions"`
	}
	if err := json.Unmarshal(body, &td); err != nil {
		return 0, []string{fmt.Sprintf("%s: %v", rel, err)}
	}
	documented := documentedVariables(root)
	n, problems := 0, []string(nil)
	for _, c := range td.Containers {
		where := fmt.Sprintf("%s container %s", rel, c.Name)
		problems = append(problems, processProblems(where, c.Command)...)
		env := map[string]string{}
		for _, e := range c.Environment {
			env[e.Name] = e.Value
		}
		for _, s := range c.Secrets {
			env[s.Name] = "(secret)"
		}
		n += len(env)
		problems = append(problems, envProblems(where, documented, env)...)
	}
	return n, problems
}

func processProblems(where string, command []string) []string {
	for _, arg := range command {
		if p, ok := strings.CutPrefix(arg, "--process="); ok {
			if !slices.Contains(config.Processes, p) {
				return []string{fmt.Sprintf("%s: --process=%s is not one of %v", where, p, config.Processes)}
			}
			return nil
		}
	}
	return []string{fmt.Sprintf("%s: command %q names no --process", where, command)}
}

// envProblems checks variable names against the documented configuration
// and the exporter list against otel's parser. Values that are templates
// (${...}) are left to whoever fills them.
func envProblems(where string, documented func(string) bool, env map[string]string) []string {
	var problems []string
	for name, value := range env {
		if !documented(name) {
			problems = append(problems, fmt.Sprintf("%s: %s is not a documented variable (%s)", where, name, configDoc))
		}
		if name == "OTEL_METRICS_EXPORTER" && !strings.Contains(value, "${") {
			if _, err := otel.ParseExporters(value); err != nil {
				problems = append(problems, fmt.Sprintf("%s: OTEL_METRICS_EXPORTER=%q: %v", where, value, err))
			}
		}
	}
	return problems
}

// configDoc documents every variable the crawler reads, in the repository
// (a stranger's clone has nothing beside it).
const configDoc = "docs/configuration.md"

// documentedVariables reads configDoc's variable names (in backquotes;
// `AWS_*` stands for a prefix). A missing page documents nothing, so every
// check against it fails.
func documentedVariables(root string) func(string) bool {
	b, _ := readFileErr(filepath.Join(root, filepath.FromSlash(configDoc)))
	names, prefixes := docVariables(string(b))
	return func(name string) bool {
		if names[name] {
			return true
		}
		return slices.ContainsFunc(prefixes, func(p string) bool { return strings.HasPrefix(name, p) })
	}
}

// docVariables returns the variable names a page names in backquotes, and
// the prefixes it names as `PREFIX_*`.
func docVariables(doc string) (names map[string]bool, prefixes []string) {
	names = map[string]bool{}
	for _, m := range regexp.MustCompile("`([A-Za-z][A-Za-z0-9_]*)(\\*)?`").FindAllStringSubmatch(doc, -1) {
		if m[2] != "" {
			prefixes = append(prefixes, m[1])
		} else {
			names[m[1]] = true
		}
	}
	return names, prefixes
}

// TestConfigVariablesDocumented checks that configDoc names every variable
// the crawler reads, each by its exact name: those config.Load and
// otel.ConfigFromEnv ask for, and those any other code reads with a literal
// getenv("NAME").
func TestConfigVariablesDocumented(t *testing.T) {
	t.Parallel()
	read := readVariables(t, repoRoot(t))
	if len(read) < 30 {
		t.Fatalf("found %d variables the code reads: has the search stopped seeing them?", len(read))
	}
	names, _ := docVariables(string(readRepoFile(t, configDoc)))
	for _, p := range undocumented(read, names) {
		t.Error(p)
	}
}

// TestConfigVariablesDocumentedCatches shows the check failing when the
// page stops naming a variable the code reads.
func TestConfigVariablesDocumentedCatches(t *testing.T) {
	t.Parallel()
	read := readVariables(t, repoRoot(t))
	doc := string(readRepoFile(t, configDoc))
	for _, name := range []string{"JOB_LEASE", "CLOUDWATCH_WORKER_ID_DIMENSION", "OTEL_EXPORTER_OTLP_METRICS_HEADERS"} {
		if _, ok := read[name]; !ok {
			t.Fatalf("the code no longer reads %s: update the broken case", name)
		}
		names, _ := docVariables(strings.ReplaceAll(doc, "`"+name+"`", name))
		if got := undocumented(read, names); !slices.ContainsFunc(got, func(p string) bool { return strings.Contains(p, " "+name+",") }) {
			t.Errorf("%s without %s: problems %q, want one naming it", configDoc, name, got)
		}
	}
}

// readVariables returns every variable the crawler reads, each with where
// it is read: by calling the two loaders with a getenv that records, and
// by finding getenv("NAME") in the rest of the code (cmd/ reads a few on
// its own).
func readVariables(t *testing.T, root string) map[string]string {
	t.Helper()
	read := map[string]string{}
	record := func(where string) func(string) string {
		return func(name string) string {
			if _, ok := read[name]; !ok {
				read[name] = where
			}
			return ""
		}
	}
	for _, p := range config.Processes {
		_, _ = config.Load(p, record("config.Load"))
	}
	_, _ = otel.ConfigFromEnv(record("otel.ConfigFromEnv"))

	literal := regexp.MustCompile(`\b(?:getenv|Getenv|LookupEnv)\(\s*"([A-Z][A-Z0-9_]*)"`)
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		switch {
		case err != nil:
			return err
		case d.IsDir() && (d.Name() == ".git" || d.Name() == "testdata"):
			return filepath.SkipDir
		case d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go"):
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		for _, m := range literal.FindAllStringSubmatch(string(b), -1) {
			if _, ok := read[m[1]]; !ok {
				read[m[1]] = filepath.ToSlash(rel)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return read
}

// undocumented lists, sorted, the variables read that names lacks.
func undocumented(read map[string]string, names map[string]bool) []string {
	var problems []string
	for name, where := range read {
		if !names[name] {
			problems = append(problems, fmt.Sprintf("%s reads %s, which %s does not name", where, name, configDoc))
		}
	}
	sort.Strings(problems)
	return problems
}

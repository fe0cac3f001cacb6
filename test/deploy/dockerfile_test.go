package deploy

import (
	"bytes"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	"github.com/moby/buildkit/frontend/dockerfile/parser"
	"github.com/moby/buildkit/frontend/dockerfile/shell"
	"github.com/moby/patternmatcher"
	"github.com/moby/patternmatcher/ignorefile"
)

// TestDockerfileBuildsFromContext reads the Dockerfile the way BuildKit does
// and the build context the way Docker computes it (.dockerignore through
// Docker's own matcher), and fails on what would break `docker build` or
// quietly build the wrong thing: a COPY/ADD source that is not in the
// context ("failed to compute cache key"), a --from that names no earlier
// stage, and a variable used where no ARG or ENV declares it (BuildKit
// expands it to the empty string).
func TestDockerfileBuildsFromContext(t *testing.T) {
	t.Parallel()
	problems, err := checkBuildContext(repoRoot(t), "Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		t.Error(p)
	}
}

// TestDockerfileCheckCatches feeds the check a deliberately broken
// Dockerfile and .dockerignore and expects each kind of problem reported.
func TestDockerfileCheckCatches(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	write := func(name, content string) {
		t.Helper()
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write(".dockerignore", "*\n!src/\n!go.mod\n")
	write("go.mod", "module x\n")
	write("src/main.go", "package main\n")
	write("scripts/setup.sh", "#!/bin/sh\n")
	write("Dockerfile", `# syntax=docker/dockerfile:1
ARG GO_VERSION=1.26
FROM golang:${GO_VERSION} AS build
COPY go.mod ./
COPY src ./src
COPY s*/*.go ./
COPY scripts/setup.sh /tmp/setup.sh
ARG VERSION=dev
RUN for f in a b; do echo "$f"; done && X=1 && echo "$X ${VERSION} ${REVISION}"

FROM debian:${DEBIAN_RELEASE}-slim AS service
COPY --from=build /out/app /app
COPY --from=builder /out/app /app2
COPY --from=worker /x /x
COPY --from=1 /x /x
COPY --from=docker.io/library/busybox:1.36 /bin/busybox /bin/busybox
WORKDIR ${APP_HOME}
ENV APP_HOME=/app
WORKDIR ${APP_HOME}
HEALTHCHECK CMD test -n "$GO_VERSION"

FROM service AS worker
WORKDIR ${APP_HOME}/data
`)
	problems, err := checkBuildContext(dir, "Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		`COPY source "scripts/setup.sh" is not in the build context`,
		`--from=builder names no earlier stage`,
		`--from=worker names stage "worker" declared later`,
		`--from=1 names no earlier stage`,
		`uses ${DEBIAN_RELEASE}, which no ARG before the first FROM declares`,
		`uses ${REVISION}, which no ARG or ENV of the stage declares`,
		`line 17: WORKDIR uses ${APP_HOME}, which no ARG or ENV of the stage declares`,
		`uses ${GO_VERSION} at run time, which no ENV of the image sets`,
	} {
		if !slices.ContainsFunc(problems, func(p string) bool { return strings.Contains(p, want) }) {
			t.Errorf("no problem reports %q; got:\n%s", want, strings.Join(problems, "\n"))
		}
	}
	for _, unwanted := range []string{`"go.mod"`, `"src"`, `"s*/*.go"`, "--from=build ", "${VERSION}", "${GO_VERSION}, which no ARG", "${f}", "${X}",
		"busybox", "line 19", "line 23"} {
		for _, p := range problems {
			if strings.Contains(p, unwanted) {
				t.Errorf("false alarm (%s): %s", unwanted, p)
			}
		}
	}
	if len(problems) != 8 {
		t.Errorf("got %d problems, want 8:\n%s", len(problems), strings.Join(problems, "\n"))
	}
}

// checkBuildContext checks the Dockerfile at dir/name against the context
// dir as .dockerignore leaves it, and returns the problems found.
func checkBuildContext(dir, name string) ([]string, error) {
	src, err := os.ReadFile(filepath.Join(dir, name))
	if err != nil {
		return nil, err
	}
	files, err := buildContext(dir)
	if err != nil {
		return nil, err
	}
	ast, err := parser.Parse(bytes.NewReader(src))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	stages, metaArgs, err := instructions.Parse(ast.AST, nil)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	c := &dfCheck{name: name, files: files, lex: shell.NewLex(ast.EscapeToken)}

	global := scope{}
	for _, a := range metaArgs {
		for _, kv := range a.Args {
			global[kv.Key] = kv.ValueString()
		}
	}
	// BuildKit declares these itself, for FROM lines only.
	for _, p := range []string{"BUILD", "TARGET"} {
		for _, s := range []string{"PLATFORM", "OS", "ARCH", "VARIANT"} {
			global[p+s] = ""
		}
	}

	type stageEnv struct{ args, env scope }
	var done []stageEnv
	for i, st := range stages {
		line := lineOf(st.Location)
		c.words(line, "FROM", global, ", which no ARG before the first FROM declares", st.BaseName)
		args, env := scope{}, scope{}
		// A stage built on an earlier one inherits its environment (and,
		// in BuildKit, its ARGs).
		if j := stageIndex(stages[:i], st.BaseName); j >= 0 {
			args, env = done[j].args.clone(), done[j].env.clone()
		}
		for _, cmd := range st.Commands {
			c.command(cmd, stages[:i], st.Name, stages, global, args, env)
		}
		done = append(done, stageEnv{args, env})
	}
	return c.problems, nil
}

type dfCheck struct {
	name     string
	files    []string // the context's files, slash-separated, relative
	lex      *shell.Lex
	problems []string
}

func (c *dfCheck) fail(line int, format string, a ...any) {
	c.problems = append(c.problems, fmt.Sprintf("%s: line %d: %s", c.name, line, fmt.Sprintf(format, a...)))
}

// command checks one instruction of a stage and then declares what it
// declares (ARG, ENV) for the instructions after it.
func (c *dfCheck) command(cmd instructions.Command, earlier []instructions.Stage, stage string, all []instructions.Stage, global, args, env scope) {
	line := lineOf(cmd.Location())
	word := strings.ToUpper(cmd.Name())
	inScope := merge(args, env)
	const undeclared = ", which no ARG or ENV of the stage declares"
	expand := func(w string) (string, error) {
		res, err := c.lex.ProcessWordWithMatches(w, inScope)
		for v := range res.Unmatched {
			c.fail(line, "%s uses ${%s}%s", word, v, undeclared)
		}
		return res.Result, err
	}

	switch cmd := cmd.(type) {
	case *instructions.ArgCommand:
		for _, kv := range cmd.Args {
			v := kv.ValueString()
			if kv.Value == nil {
				v = global[kv.Key] // ARG NAME takes the global default
			} else {
				v, _ = expand(v)
			}
			args[kv.Key] = v
		}
		return
	case *instructions.EnvCommand:
		for _, kv := range cmd.Env {
			v, _ := expand(kv.Value)
			env[kv.Key] = v
		}
		return
	case *instructions.CopyCommand:
		if cmd.From != "" {
			c.checkFrom(line, cmd.From, earlier, all, stage)
		}
		_ = cmd.Expand(expand)
		if cmd.From == "" {
			c.checkSources(line, word, cmd.SourcePaths)
		}
		return
	case *instructions.AddCommand:
		_ = cmd.Expand(expand)
		c.checkSources(line, word, cmd.SourcePaths)
		return
	case *instructions.RunCommand:
		if fs := instructions.GetMounts(cmd); len(fs) > 0 {
			for _, m := range fs {
				if m.From != "" {
					c.checkFrom(line, m.From, earlier, all, stage)
				}
			}
		}
		// The shell expands RUN's variables, from ARG and ENV and from
		// whatever the command itself assigns.
		c.shellWords(line, word, cmd.ShellDependantCmdLine, merge(args, env), undeclared)
		return
	case *instructions.CmdCommand:
		c.shellWords(line, word, cmd.ShellDependantCmdLine, env, " at run time, which no ENV of the image sets")
		return
	case *instructions.EntrypointCommand:
		c.shellWords(line, word, cmd.ShellDependantCmdLine, env, " at run time, which no ENV of the image sets")
		return
	case *instructions.HealthCheckCommand:
		if t := cmd.Health.Test; len(t) > 1 && t[0] == "CMD-SHELL" {
			c.shellWords(line, word, instructions.ShellDependantCmdLine{CmdLine: t[1:], PrependShell: true}, env,
				" at run time, which no ENV of the image sets")
		}
		return
	}
	if e, ok := cmd.(instructions.SupportsSingleWordExpansion); ok {
		_ = e.Expand(expand)
	}
}

// words reports the variables of ws that s does not declare.
func (c *dfCheck) words(line int, word string, s scope, why string, ws ...string) {
	for _, w := range ws {
		res, _ := c.lex.ProcessWordWithMatches(w, s)
		for v := range res.Unmatched {
			c.fail(line, "%s uses ${%s}%s", word, v, why)
		}
	}
}

// shellAssign finds the names a shell command line assigns or loops over.
var shellAssign = regexp.MustCompile(`(?:^|[\s;&|(])(?:for\s+)?([A-Za-z_][A-Za-z0-9_]*)(?:=|\s+in\s)`)

// shellWords checks the variables of a shell-form command line.
func (c *dfCheck) shellWords(line int, word string, cl instructions.ShellDependantCmdLine, s scope, why string) {
	if !cl.PrependShell {
		return // exec form: no shell, nothing expanded
	}
	text := strings.Join(cl.CmdLine, " ")
	s = s.clone()
	for _, m := range shellAssign.FindAllStringSubmatch(text, -1) {
		s[m[1]] = ""
	}
	// What every shell and image has, and the proxy ARGs BuildKit predefines.
	for _, v := range []string{"HOME", "PATH", "PWD", "USER", "HOSTNAME", "SHELL", "IFS",
		"HTTP_PROXY", "HTTPS_PROXY", "FTP_PROXY", "NO_PROXY", "ALL_PROXY",
		"http_proxy", "https_proxy", "ftp_proxy", "no_proxy", "all_proxy"} {
		s[v] = ""
	}
	c.words(line, word, s, why, text)
}

// checkFrom checks a --from (or a mount's from=): an earlier stage by name
// or index, or an image named with a tag, digest or registry path. A bare
// word that is no stage is almost always a typo that Docker would try to
// pull from Docker Hub.
func (c *dfCheck) checkFrom(line int, from string, earlier, all []instructions.Stage, stage string) {
	if stageIndex(earlier, from) >= 0 {
		return
	}
	if n, err := strconv.Atoi(from); err == nil {
		if n >= 0 && n < len(earlier) {
			return
		}
		c.fail(line, "--from=%s names no earlier stage (%d stages come before %q)", from, len(earlier), stage)
		return
	}
	if stageIndex(all, from) >= 0 {
		c.fail(line, "--from=%s names stage %q declared later, in stage %q", from, from, stage)
		return
	}
	if strings.ContainsAny(from, ":@/") {
		return
	}
	c.fail(line, "--from=%s names no earlier stage (stages before %q: %s) and is no tagged image", from, stage, stageNames(earlier))
}

// checkSources reports the sources that the context does not hold.
func (c *dfCheck) checkSources(line int, word string, srcs []string) {
	for _, s := range srcs {
		if strings.Contains(s, "://") || strings.HasPrefix(s, "git@") {
			continue // ADD from a URL or a repository
		}
		if !c.inContext(s) {
			c.fail(line, "%s source %q is not in the build context (check .dockerignore)", word, s)
		}
	}
}

// inContext reports whether src (a path or a glob, relative to the
// context) names at least one file of the context.
func (c *dfCheck) inContext(src string) bool {
	src = path.Clean("/" + filepath.ToSlash(src))[1:]
	if src == "" {
		return len(c.files) > 0
	}
	glob := strings.ContainsAny(src, "*?[")
	for _, f := range c.files {
		for p := f; p != "."; p = path.Dir(p) {
			if p == src {
				return true
			}
			if ok, _ := path.Match(src, p); glob && ok {
				return true
			}
		}
	}
	return false
}

// buildContext lists the files of dir that Docker sends as the build
// context, after .dockerignore, through Docker's own matcher.
func buildContext(dir string) ([]string, error) {
	var patterns []string
	if f, err := os.Open(filepath.Join(dir, ".dockerignore")); err == nil {
		patterns, err = ignorefile.ReadAll(f)
		f.Close()
		if err != nil {
			return nil, fmt.Errorf(".dockerignore: %w", err)
		}
	}
	pm, err := patternmatcher.New(patterns)
	if err != nil {
		return nil, fmt.Errorf(".dockerignore: %w", err)
	}
	var files []string
	err = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		rel = filepath.ToSlash(rel)
		if rel == "." {
			return nil
		}
		if d.IsDir() {
			if rel == ".git" {
				return filepath.SkipDir // large, and never wanted in an image
			}
			return nil
		}
		excluded, err := pm.MatchesOrParentMatches(rel)
		if err != nil {
			return err
		}
		if !excluded {
			files = append(files, rel)
		}
		return nil
	})
	return files, err
}

// scope is the variables declared at one point, as shell.EnvGetter.
type scope map[string]string

func (s scope) Get(k string) (string, bool) { v, ok := s[k]; return v, ok }
func (s scope) Keys() []string {
	keys := make([]string, 0, len(s))
	for k := range s {
		keys = append(keys, k)
	}
	return keys
}
func (s scope) clone() scope {
	c := make(scope, len(s))
	for k, v := range s {
		c[k] = v
	}
	return c
}

func merge(a, b scope) scope {
	m := a.clone()
	for k, v := range b {
		m[k] = v
	}
	return m
}

func stageIndex(stages []instructions.Stage, name string) int {
	return slices.IndexFunc(stages, func(s instructions.Stage) bool {
		return s.Name != "" && strings.EqualFold(s.Name, name)
	})
}

func stageNames(stages []instructions.Stage) string {
	var names []string
	for _, s := range stages {
		names = append(names, s.Name)
	}
	return strings.Join(names, ", ")
}

func lineOf(r []parser.Range) int {
	if len(r) == 0 {
		return 0
	}
	return r[0].Start.Line
}

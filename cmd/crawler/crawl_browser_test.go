package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/crawler-service/crawler/internal/syncbuf"
)

// TestCrawlAutoFallsBackToBrowser: the items exist only after a script
// runs, so plain HTTP finds no rank and auto renders the page in Chromium.
func TestCrawlAutoFallsBackToBrowser(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, `<html><head><title>JS results</title></head><body><ul id="r"></ul><script>
for (const h of ["a.example", "b.example", "target.example"]) {
  const li = document.createElement("li"); li.className = "item";
  li.innerHTML = '<a href="https://' + h + '/">' + h + '</a>';
  document.getElementById("r").appendChild(li);
}</script></body></html>`)
	}))
	defer srv.Close()
	var out, errOut syncbuf.Buffer
	err := run(context.Background(), []string{"crawl", "--json", "--allow-private", "--selector", "li.item", "--match", "target.example", srv.URL + "/"},
		envOf(nil), &out, &errOut)
	if err != nil {
		t.Fatalf("crawl: %v (%s)", err, errOut.String())
	}
	var line crawlLine
	if err := json.Unmarshal([]byte(strings.SplitN(out.String(), "\n", 2)[0]), &line); err != nil {
		t.Fatal(err)
	}
	if line.Result == nil || line.Result.Method != "browser" || line.Result.Rank == nil || *line.Result.Rank != 3 {
		t.Errorf("auto did not fall back to the browser with rank 3: %s (stderr %s)", out.String(), errOut.String())
	}
	if !strings.Contains(out.String(), `"success/browser":1`) {
		t.Errorf("summary does not count the browser job: %s", out.String())
	}
}

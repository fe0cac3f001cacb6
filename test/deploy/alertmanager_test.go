package deploy

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// amTimings shorten the waits of the test's copies only: rules hold for 15 s
// instead of minutes (longer than Prometheus takes to discover and scrape
// every target twice, which rules on increase() need), Alertmanager groups
// for 1 s instead of 30 s.
const (
	amRuleFor      = "15s"
	amDeliveryWait = 90 * time.Second
)

// amNotification is the body Alertmanager's webhook receiver POSTs.
type amNotification struct {
	Receiver string    `json:"receiver"`
	Status   string    `json:"status"`
	Alerts   []amAlert `json:"alerts"`
}

type amAlert struct {
	Status      string            `json:"status"`
	Labels      map[string]string `json:"labels"`
	Annotations map[string]string `json:"annotations"`
}

// TestAlertReachesWebhook runs the EC2 host's alerting path natively: Debian's
// Prometheus with prometheus.ec2.yaml and the repository's rules, Debian's
// Alertmanager started by deploy/alertmanager/entrypoint.sh on
// alertmanager.yaml with ALERT_WEBHOOK_URL pointing at a local receiver, and
// stand-ins for the crawler's processes serving their series. The metric
// publisher is healthy (no notification), then it dies: the receiver must
// get CrawlerScrapeTargetDown for it and CrawlerQueueMetricsMissing.
func TestAlertReachesWebhook(t *testing.T) {
	t.Parallel()
	promBin := lookPath(t, "prometheus", "apt-get install -y prometheus")
	amBin := lookPath(t, "prometheus-alertmanager", "apt-get install -y prometheus-alertmanager")
	k := knownNames(t)
	for _, name := range []string{"crawler_queue_waiting", "crawler_queue_backlog_per_worker_ratio", "crawler_queue_oldest_job_age_seconds", "crawler_worker_heartbeat_total", "crawler_worker_jobs_completed_total"} {
		if _, ok := k.prom[name]; !ok {
			t.Fatalf("stand-in series %s is not in the metrics table", name)
		}
	}

	notes := make(chan amNotification, 1000)
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var n amNotification
		if err := json.NewDecoder(r.Body).Decode(&n); err != nil {
			t.Errorf("webhook: %v", err)
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		select {
		case notes <- n:
		default:
			t.Error("webhook: too many notifications")
		}
	}))
	t.Cleanup(receiver.Close)

	// 500 jobs wait, 50 workers share them: no value alert should fire.
	publisher := httptest.NewServer(exposition(func() string {
		return "# TYPE crawler_queue_waiting gauge\ncrawler_queue_waiting 500\n" +
			"# TYPE crawler_queue_backlog_per_worker_ratio gauge\ncrawler_queue_backlog_per_worker_ratio 10\n" +
			"# TYPE crawler_queue_oldest_job_age_seconds gauge\ncrawler_queue_oldest_job_age_seconds 60\n"
	}))
	t.Cleanup(publisher.Close)
	var scrapes atomic.Int64
	worker := httptest.NewServer(exposition(func() string {
		n := scrapes.Add(1)
		return fmt.Sprintf("# TYPE crawler_worker_heartbeat_total counter\ncrawler_worker_heartbeat_total %d\n"+
			"# TYPE crawler_worker_jobs_completed_total counter\ncrawler_worker_jobs_completed_total{crawler_job_status=\"success\"} %d\n", n, 3*n)
	}))
	t.Cleanup(worker.Close)
	quiet := httptest.NewServer(exposition(func() string { return "" })) // api, scheduler
	t.Cleanup(quiet.Close)

	dir := t.TempDir()
	am := startAlertmanager(t, amBin, dir, receiver.URL+"/alerts")
	prom := startAlertingPrometheus(t, promBin, dir, map[string]string{
		`"api:9464"`:              hostPort(quiet.URL),
		`"scheduler:9464"`:        hostPort(quiet.URL),
		`"metric-publisher:9464"`: hostPort(publisher.URL),
		`"alertmanager:9093"`:     fmt.Sprintf("%q", am),
		"    dns_sd_configs:\n      - names: [\"worker\"]\n        type: A\n        port: 9464\n        refresh_interval: 30s\n": fmt.Sprintf("    static_configs:\n      - targets: [%s]\n", hostPort(worker.URL)),
	})

	ctx, cancel := context.WithTimeout(t.Context(), 4*time.Minute)
	defer cancel()
	waitValue(ctx, t, prom, `up{job="crawler-metric-publisher"}`, 1)
	waitValue(ctx, t, prom, `count(increase(crawler_worker_heartbeat_total[10m]) > 0)`, 1)
	// Healthy: nothing may reach the receiver for longer than any rule's
	// for: (the rules that need two samples have them by now).
	quietFor := 20 * time.Second
	select {
	case n := <-notes:
		t.Fatalf("a healthy stack notified: %+v", n)
	case <-time.After(quietFor):
	}

	publisher.Close()
	killed := time.Now()
	t.Log("metric publisher killed")
	want := map[string]map[string]string{
		"CrawlerScrapeTargetDown":    {"job": "crawler-metric-publisher"},
		"CrawlerQueueMetricsMissing": {"severity": "critical"},
	}
	deadline := time.After(amDeliveryWait)
	for len(want) > 0 {
		select {
		case n := <-notes:
			if n.Receiver != "webhook" {
				t.Errorf("notification for receiver %q, want webhook", n.Receiver)
			}
			for _, a := range n.Alerts {
				labels, ok := want[a.Labels["alertname"]]
				if !ok || a.Status != "firing" || !hasLabels(a.Labels, labels) {
					t.Logf("also notified: %s %v", a.Status, a.Labels)
					continue
				}
				if !strings.HasPrefix(a.Annotations["runbook_url"], "docs/runbook.md#") {
					t.Errorf("%s: runbook_url %q", a.Labels["alertname"], a.Annotations["runbook_url"])
				}
				t.Logf("%s %v reached the webhook %v after the kill", a.Labels["alertname"], a.Labels, time.Since(killed).Round(100*time.Millisecond))
				delete(want, a.Labels["alertname"])
			}
		case <-deadline:
			t.Fatalf("after %v the webhook still lacks %v", amDeliveryWait, want)
		}
	}
}

// exposition serves body() in Prometheus's text format.
func exposition(body func() string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; version=0.0.4")
		fmt.Fprint(w, body())
	})
}

// hostPort is a test server's address, quoted for a YAML flow list.
func hostPort(url string) string { return fmt.Sprintf("%q", strings.TrimPrefix(url, "http://")) }

func hasLabels(have, want map[string]string) bool {
	for k, v := range want {
		if have[k] != v {
			return false
		}
	}
	return true
}

// startAlertmanager runs deploy/alertmanager/entrypoint.sh, as the compose
// files do, on a copy of alertmanager.yaml whose grouping waits are a
// second, and returns Alertmanager's host:port.
func startAlertmanager(t *testing.T, bin, dir, webhook string) string {
	t.Helper()
	tmpl := rewrite(t, string(readRepoFile(t, "deploy/alertmanager/alertmanager.yaml")), map[string]string{
		"group_wait: 30s":    "group_wait: 1s",
		"group_interval: 5m": "group_interval: 1s",
	})
	tmplPath := filepath.Join(dir, "alertmanager.tmpl.yaml")
	if err := os.WriteFile(tmplPath, []byte(tmpl), 0o644); err != nil {
		t.Fatal(err)
	}
	addr := fmt.Sprintf("127.0.0.1:%d", freePort(t))
	p := startProc(t, "alertmanager", "sh", []string{
		repoPath(t, "deploy/alertmanager/entrypoint.sh"),
		"--web.listen-address=" + addr,
		"--storage.path=" + filepath.Join(dir, "alertmanager"),
		"--cluster.listen-address=", // one node: no gossip port
		"--log.level=warn",
	}, []string{
		"ALERT_WEBHOOK_URL=" + webhook,
		"ALERTMANAGER_TEMPLATE=" + tmplPath,
		"ALERTMANAGER_CONFIG=" + filepath.Join(dir, "alertmanager.yml"),
		"ALERTMANAGER_BIN=" + bin,
	})
	waitHTTP(t, p, "http://"+addr+"/-/ready", time.Minute)
	return addr
}

// startAlertingPrometheus runs Prometheus with prometheus.ec2.yaml, its
// targets replaced by subs, its intervals a second, and copies of its rule
// files whose for: are amRuleFor and whose staleness window is 3 s.
func startAlertingPrometheus(t *testing.T, bin, dir string, subs map[string]string) string {
	t.Helper()
	forClause := regexp.MustCompile(`(?m)^(\s+for: )\d+m$`)
	subs["scrape_interval: 15s"] = "scrape_interval: 1s"
	subs["evaluation_interval: 15s"] = "evaluation_interval: 1s"
	for _, rf := range readPromConfig(t, "deploy/prometheus/prometheus.ec2.yaml").RuleFiles {
		rules := string(readRepoFile(t, "deploy/prometheus/"+rf))
		if !forClause.MatchString(rules) {
			t.Fatalf("%s has no for: in minutes to shorten", rf)
		}
		rules = forClause.ReplaceAllString(rules, "${1}"+amRuleFor)
		if rf == "alerts.yaml" {
			rules = rewrite(t, rules, map[string]string{"[3m])": "[3s])"})
		}
		path := filepath.Join(dir, rf)
		if err := os.WriteFile(path, []byte(rules), 0o644); err != nil {
			t.Fatal(err)
		}
		subs["- "+rf+"\n"] = "- " + path + "\n"
	}
	cfg := rewrite(t, string(readRepoFile(t, "deploy/prometheus/prometheus.ec2.yaml")), subs)
	return runPrometheus(t, bin, dir, cfg)
}

// The crawler's web console: a client of the JSON API under /v1.
//
// Everything the API returns (job errors, URLs, titles, names) is hostile
// input: it reaches the page only as text (textContent, text nodes,
// attribute values set one by one), never as markup.
"use strict";

(() => {
  const TOKEN_KEY = "crawler.console.token";
  const OPERATOR = { operator: "console" };
  const REFRESH_MS = 5000;
  const PAGE_SIZE = 50;
  const SVG = "http://www.w3.org/2000/svg";

  const $ = (id) => document.getElementById(id);

  // el builds an element: attrs are set as attributes (class as className),
  // children are nodes or strings (which become text nodes).
  function el(tag, attrs, ...children) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === undefined || v === null || v === false) continue;
      if (k === "class") e.className = v;
      else e.setAttribute(k, v === true ? "" : String(v));
    }
    for (const c of children) {
      if (c === undefined || c === null || c === false) continue;
      e.append(c instanceof Node ? c : String(c));
    }
    return e;
  }

  // redactURL shows a URL without credentials, query or fragment, as the
  // CLI and the logs do: query strings carry tokens.
  function redactURL(u) {
    try {
      const p = new URL(u);
      return p.origin + p.pathname;
    } catch (_) {
      return String(u).split(/[?#]/)[0];
    }
  }

  function button(label, onClick, cls) {
    const b = el("button", { type: "button", class: cls });
    b.textContent = label;
    b.addEventListener("click", onClick);
    return b;
  }

  function fmtTime(s) {
    if (!s) return "";
    const d = new Date(s);
    if (Number.isNaN(d.getTime())) return String(s);
    return d.toLocaleString(undefined, { dateStyle: "short", timeStyle: "medium" });
  }

  // ---- notices --------------------------------------------------------

  let noticeTimer = 0;
  function notice(text, isError) {
    const n = $("notice");
    n.textContent = text;
    n.className = isError ? "notice error" : "notice";
    n.hidden = false;
    clearTimeout(noticeTimer);
    if (!isError) noticeTimer = setTimeout(() => { n.hidden = true; }, 6000);
  }

  function showError(id, err) {
    const p = $(id);
    if (!err) { p.hidden = true; p.textContent = ""; return; }
    p.textContent = describe(err);
    p.hidden = false;
  }

  function describe(err) {
    if (err instanceof APIError) return err.message;
    return "Unexpected error: " + (err && err.message ? err.message : String(err));
  }

  // ---- the API ----------------------------------------------------------

  class APIError extends Error {
    constructor(status, code, message) {
      super(message);
      this.status = status;
      this.code = code;
    }
  }

  // api calls the API with the token and returns the decoded answer; any
  // failure becomes an APIError that names the call. A 401 forgets the
  // token and asks for it again.
  async function api(method, path, body) {
    const what = method + " " + path.split("?")[0];
    const token = sessionStorage.getItem(TOKEN_KEY);
    if (!token) {
      askToken();
      throw new APIError(401, "unauthorized", what + ": no token");
    }
    const init = {
      method,
      headers: { Authorization: "Bearer " + token, Accept: "application/json" },
      cache: "no-store",
      credentials: "omit",
      redirect: "error",
    };
    if (body !== undefined) {
      init.headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    let res;
    try {
      res = await fetch(path, init);
    } catch (e) {
      throw new APIError(0, "network", what + ": the API did not answer (" + e.message + ")");
    }
    const text = await res.text().catch(() => "");
    let data = null;
    if (text) {
      try { data = JSON.parse(text); } catch (e) { data = null; }
    }
    if (res.status === 401) {
      // Only if no newer token came meanwhile: a late answer to a call
      // made with the old one must not drop it.
      if (sessionStorage.getItem(TOKEN_KEY) === token) forgetToken("The API refused the token; enter it again.");
      throw new APIError(401, "unauthorized", what + ": the token was refused");
    }
    if (!res.ok) {
      const e = data && data.error;
      let msg = what + ": " + res.status + " " + (e && e.code ? e.code : res.statusText);
      if (e && e.message) msg += ": " + e.message;
      if (e && e.fields) msg += " (" + Object.entries(e.fields).map(([k, v]) => k + ": " + v).join("; ") + ")";
      if (res.status === 404 && e && e.code === "not_found" && /route|path/i.test(e.message || "")) {
        msg += " (this API may not have the route yet)";
      }
      throw new APIError(res.status, e && e.code ? e.code : "http_" + res.status, msg);
    }
    return data;
  }

  const enc = encodeURIComponent;

  // ---- token ------------------------------------------------------------

  function askToken(why) {
    stopRefresh();
    $("views").hidden = true;
    $("forget").hidden = true;
    for (const v of document.querySelectorAll("[role=tabpanel]")) v.hidden = true;
    if (why) $("login-why").textContent = why;
    $("login").hidden = false;
    $("token").value = "";
    $("token").focus();
  }

  function forgetToken(why) {
    sessionStorage.removeItem(TOKEN_KEY);
    clearData();
    askToken(why || "Token forgotten. Enter it again to continue.");
  }

  // clearData removes everything the API returned from the page.
  function clearData() {
    for (const id of ["counts", "throughput", "schedules"]) $(id).replaceChildren();
    for (const id of ["workers", "jobs"]) $(id).tBodies[0].replaceChildren();
    $("queue-state").textContent = "";
    $("refreshed").textContent = "";
  }

  $("login-form").addEventListener("submit", (ev) => {
    ev.preventDefault();
    const t = $("token").value.trim();
    if (!t) return;
    sessionStorage.setItem(TOKEN_KEY, t);
    $("token").value = "";
    start();
  });

  $("forget").addEventListener("click", () => forgetToken());

  function start() {
    $("login").hidden = true;
    $("views").hidden = false;
    $("forget").hidden = false;
    show(current);
  }

  // ---- views ------------------------------------------------------------

  let current = "overview";
  const loaders = { overview: loadOverview, jobs: loadJobs, schedules: loadSchedules };

  function show(view) {
    current = view;
    for (const tab of $("views").querySelectorAll("[role=tab]")) {
      const on = tab.dataset.view === view;
      tab.setAttribute("aria-selected", String(on));
      tab.tabIndex = on ? 0 : -1;
    }
    for (const v of Object.keys(loaders)) $("view-" + v).hidden = v !== view;
    stopRefresh();
    loaders[view]();
  }

  // tabs wires a tablist: a click selects, arrow keys move between tabs.
  function tabs(list, onSelect) {
    const all = () => Array.from(list.querySelectorAll("[role=tab]"));
    list.addEventListener("click", (ev) => {
      const t = ev.target.closest("[role=tab]");
      if (t) onSelect(t);
    });
    list.addEventListener("keydown", (ev) => {
      const ts = all();
      const i = ts.indexOf(document.activeElement);
      if (i < 0) return;
      let j = -1;
      if (ev.key === "ArrowRight") j = (i + 1) % ts.length;
      else if (ev.key === "ArrowLeft") j = (i - 1 + ts.length) % ts.length;
      else if (ev.key === "Home") j = 0;
      else if (ev.key === "End") j = ts.length - 1;
      if (j < 0) return;
      ev.preventDefault();
      ts[j].focus();
      onSelect(ts[j]);
    });
  }

  tabs($("views"), (t) => show(t.dataset.view));

  // ---- overview ---------------------------------------------------------

  let refreshTimer = 0;
  let paused = null;

  function stopRefresh() {
    clearTimeout(refreshTimer);
    refreshTimer = 0;
  }

  function scheduleRefresh() {
    stopRefresh();
    if (current === "overview" && sessionStorage.getItem(TOKEN_KEY)) {
      refreshTimer = setTimeout(() => {
        if (document.visibilityState === "visible") loadOverview();
        else scheduleRefresh();
      }, REFRESH_MS);
    }
  }

  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "visible" && current === "overview" && !$("view-overview").hidden) loadOverview();
  });

  const COUNTS = [
    ["waiting", "Waiting"], ["active", "Active"], ["delayed", "Delayed"], ["failed", "Failed"],
    ["workers", "Workers"], ["failed_dropped", "Failed, dropped"], ["oldest_waiting_age_seconds", "Oldest waiting (s)"],
  ];

  async function loadOverview() {
    const [q, tp, ws] = await Promise.allSettled([
      api("GET", "/v1/queue"),
      api("GET", "/v1/queue/throughput?minutes=15"),
      api("GET", "/v1/workers"),
    ]);
    if (current !== "overview" || !sessionStorage.getItem(TOKEN_KEY)) return;
    if (q.status === "fulfilled") { renderCounts(q.value); showError("counts-error"); }
    else showError("counts-error", q.reason);
    if (tp.status === "fulfilled") { renderThroughput(tp.value); showError("throughput-error"); }
    else { $("throughput").replaceChildren(); showError("throughput-error", tp.reason); }
    if (ws.status === "fulfilled") { renderWorkers(ws.value); showError("workers-error"); }
    else showError("workers-error", ws.reason);
    $("refreshed").textContent = "Updated " + new Date().toLocaleTimeString();
    scheduleRefresh();
  }

  function renderCounts(c) {
    const dl = $("counts");
    const items = [];
    for (const [key, label] of COUNTS) {
      if (c[key] === undefined) continue;
      let v = c[key];
      if (key === "oldest_waiting_age_seconds") v = Math.round(v * 10) / 10;
      items.push(el("div", { class: "count" }, el("dt", {}, label), el("dd", { "data-count": key }, String(v))));
    }
    dl.replaceChildren(...items);
    paused = !!c.paused;
    const badge = $("queue-state");
    badge.textContent = paused ? "Paused" : "Running";
    badge.className = paused ? "badge warn" : "badge ok";
    badge.dataset.paused = String(paused);
    const b = $("pause-toggle");
    b.textContent = paused ? "Resume queue" : "Pause queue";
    b.disabled = false;
  }

  $("pause-toggle").addEventListener("click", async () => {
    const b = $("pause-toggle");
    const pausing = !paused;
    b.disabled = true;
    try {
      await api("POST", pausing ? "/v1/queue/pause" : "/v1/queue/resume", OPERATOR);
      notice(pausing ? "Queue paused: workers take no new jobs." : "Queue resumed.");
    } catch (e) {
      notice(describe(e), true);
    }
    b.disabled = false;
    loadOverview();
  });

  // renderThroughput draws one bar per minute, completed stacked under
  // failed, as SVG built node by node.
  function renderThroughput(tp) {
    const mins = (tp && tp.minutes) || [];
    const box = $("throughput");
    const W = 300, H = 100, gap = 2;
    const peak = Math.max(1, ...mins.map((m) => (m.completed || 0) + (m.failed || 0)));
    const svg = document.createElementNS(SVG, "svg");
    svg.setAttribute("viewBox", "0 0 " + W + " " + (H + 2));
    svg.setAttribute("preserveAspectRatio", "none");
    svg.setAttribute("role", "img");
    let done = 0, failed = 0;
    const bw = mins.length ? W / mins.length : W;
    mins.forEach((m, i) => {
      const c = m.completed || 0, f = m.failed || 0;
      done += c; failed += f;
      const hc = (c / peak) * H, hf = (f / peak) * H;
      const g = document.createElementNS(SVG, "g");
      const title = document.createElementNS(SVG, "title");
      title.textContent = fmtTime(m.start) + ": " + c + " completed, " + f + " failed";
      g.append(title);
      const bar = (y, h, cls) => {
        const r = document.createElementNS(SVG, "rect");
        r.setAttribute("x", String(i * bw + gap / 2));
        r.setAttribute("y", String(y));
        r.setAttribute("width", String(Math.max(1, bw - gap)));
        r.setAttribute("height", String(Math.max(h, 0)));
        r.setAttribute("class", cls);
        return r;
      };
      g.append(bar(H - hc, hc, "bar-done"), bar(H - hc - hf, hf, "bar-failed"));
      svg.append(g);
    });
    const summary = mins.length
      ? done + " completed and " + failed + " failed in the last " + mins.length + " minutes (peak " + peak + " a minute)"
      : "No throughput data.";
    svg.setAttribute("aria-label", summary);
    box.replaceChildren(svg, el("p", { class: "muted small" },
      el("span", { class: "key key-done" }), " completed ", el("span", { class: "key key-failed" }), " failed. ", summary));
  }

  function renderWorkers(data) {
    const ws = (data && data.workers) || [];
    const rows = ws.map((w) => el("tr", {},
      el("td", {}, el("code", {}, w.id)), el("td", {}, w.process), el("td", {}, w.host), el("td", {}, w.pid),
      el("td", {}, (w.in_flight ?? "") + " / " + (w.concurrency ?? "")), el("td", {}, (w.methods || []).join(", ")),
      el("td", {}, w.version), el("td", {}, fmtTime(w.started_at)), el("td", {}, fmtTime(w.last_seen_at))));
    if (!rows.length) rows.push(el("tr", {}, el("td", { colspan: 9, class: "muted" }, "No live workers.")));
    $("workers").tBodies[0].replaceChildren(...rows);
  }

  // ---- jobs -------------------------------------------------------------

  const jobs = { state: "waiting", cursors: [""], page: 0, next: "" };

  tabs($("states"), (t) => {
    for (const b of $("states").querySelectorAll("[role=tab]")) {
      const on = b === t;
      b.setAttribute("aria-selected", String(on));
      b.tabIndex = on ? 0 : -1;
    }
    jobs.state = t.dataset.state;
    resetPages();
  });

  function resetPages() {
    jobs.cursors = [""];
    jobs.page = 0;
    hideConfirm();
    loadJobs();
  }

  $("order").addEventListener("change", resetPages);
  $("error-type").addEventListener("change", resetPages);
  $("jobs-refresh").addEventListener("click", () => loadJobs());
  $("page-first").addEventListener("click", () => { jobs.page = 0; loadJobs(); });
  $("page-prev").addEventListener("click", () => { jobs.page = Math.max(0, jobs.page - 1); loadJobs(); });
  $("page-next").addEventListener("click", () => {
    if (!jobs.next) return;
    jobs.cursors.length = jobs.page + 1;
    jobs.cursors.push(jobs.next);
    jobs.page++;
    loadJobs();
  });

  function jobsQuery() {
    const failed = jobs.state === "failed";
    // The active list reads forward only: it has no newest-first order.
    const order = $("order");
    order.disabled = jobs.state === "active";
    if (order.disabled) order.value = "oldest";
    $("type-filter").hidden = !failed;
    $("bulk").hidden = !failed;
    const p = new URLSearchParams({ state: jobs.state, limit: String(PAGE_SIZE) });
    if (order.value === "newest") p.set("order", "newest");
    if (failed && $("error-type").value) p.set("error_type", $("error-type").value);
    const cursor = jobs.cursors[jobs.page];
    if (cursor) p.set("cursor", cursor);
    return p.toString();
  }

  let jobsSeq = 0;
  async function loadJobs() {
    const seq = ++jobsSeq;
    const q = jobsQuery();
    let data;
    try {
      data = await api("GET", "/v1/jobs?" + q);
    } catch (e) {
      if (seq !== jobsSeq) return;
      showError("jobs-error", e);
      $("jobs").tBodies[0].replaceChildren();
      $("jobs-empty").hidden = true;
      return;
    }
    if (seq !== jobsSeq) return;
    showError("jobs-error");
    const list = (data && data.jobs) || [];
    jobs.next = (data && data.next_cursor) || "";
    $("jobs").tBodies[0].replaceChildren(...list.map(jobRow));
    $("jobs-empty").hidden = list.length > 0;
    $("page-first").disabled = jobs.page === 0;
    $("page-prev").disabled = jobs.page === 0;
    $("page-next").disabled = !jobs.next;
    $("page-info").textContent = "Page " + (jobs.page + 1) + (list.length ? ", " + list.length + " jobs" : "");
  }

  function outcome(j) {
    const parts = [];
    if (j.error) {
      parts.push(el("div", { class: "err" },
        el("span", { class: "badge bad" }, j.error.type || "error"), " ",
        el("span", { class: "err-msg" }, j.error.message || "")));
    }
    if (j.result) {
      const r = j.result;
      const bits = ["HTTP " + r.status, r.method, (r.duration_ms ?? "?") + " ms"];
      bits.push(r.rank === null || r.rank === undefined ? "no rank" : "rank " + r.rank);
      parts.push(el("div", {}, bits.join(" · ")));
      if (r.title) parts.push(el("div", { class: "muted wrap" }, r.title));
      if (r.final_url) parts.push(el("div", { class: "muted wrap small" }, redactURL(r.final_url)));
    }
    const meta = [];
    if (j.schedule) meta.push("schedule " + j.schedule);
    if (j.created) meta.push("created " + fmtTime(j.created));
    if (j.finished) meta.push("finished " + fmtTime(j.finished));
    if (j.operator) meta.push(j.operator.action + " by " + j.operator.name + " " + fmtTime(j.operator.at));
    if (meta.length) parts.push(el("div", { class: "muted small" }, meta.join(" · ")));
    return parts;
  }

  function jobRow(j) {
    const id = j.id;
    const acts = [];
    if (j.state === "failed") {
      acts.push(button("Retry", () => jobAction(id, "retry")));
      acts.push(button("Delete", () => confirmThen("Delete failed job " + id + "? Its record is removed for good.",
        () => jobAction(id, "delete")), "danger"));
    }
    if (j.state === "waiting" || j.state === "delayed") {
      acts.push(button("Cancel", () => jobAction(id, "cancel")));
    }
    for (const b of acts) b.setAttribute("aria-label", b.textContent + " job " + id);
    return el("tr", { "data-id": id },
      el("td", {}, el("code", {}, id)),
      el("td", {}, j.state),
      el("td", {}, j.attempts ?? ""),
      el("td", { class: "outcome" }, ...outcome(j)),
      el("td", { class: "actions" }, ...acts));
  }

  async function jobAction(id, action) {
    const path = "/v1/jobs/" + enc(id);
    try {
      if (action === "delete") await api("DELETE", path + "?operator=console");
      else await api("POST", path + "/" + action, OPERATOR);
      notice("Job " + id + ": " + (action === "retry" ? "retried" : action === "cancel" ? "canceled" : "deleted") + ".");
    } catch (e) {
      notice(describe(e), true);
    }
    loadJobs();
  }

  let confirmed = null;
  function confirmThen(text, fn) {
    $("confirm-text").textContent = text;
    confirmed = fn;
    $("confirm").hidden = false;
    $("confirm-no").focus();
  }
  function hideConfirm() {
    confirmed = null;
    $("confirm").hidden = true;
  }
  $("confirm-no").addEventListener("click", hideConfirm);
  $("confirm-yes").addEventListener("click", () => {
    const fn = confirmed;
    hideConfirm();
    if (fn) fn();
  });

  function bulk(kind) {
    const type = $("error-type").value;
    const which = type ? "failed jobs of type " + type : "all failed jobs";
    const text = kind === "retry"
      ? "Retry " + which + "? They go back to waiting (at most 10,000 per click)."
      : "Purge " + which + "? Their records are deleted for good (at most 10,000 per click).";
    confirmThen(text, async () => {
      const body = { operator: "console" };
      if (type) body.error_type = type;
      try {
        const r = await api("POST", "/v1/queue/failed/" + kind, body);
        const n = kind === "retry" ? r.moved : r.deleted;
        notice((kind === "retry" ? "Retried " : "Purged ") + n + " jobs; " + r.remaining + " failed jobs remain.");
      } catch (e) {
        notice(describe(e), true);
      }
      resetPages();
    });
  }
  $("retry-all").addEventListener("click", () => bulk("retry"));
  $("purge").addEventListener("click", () => bulk("purge"));

  // ---- schedules ----------------------------------------------------------

  $("schedules-refresh").addEventListener("click", () => loadSchedules());

  let schedSeq = 0;
  async function loadSchedules() {
    const seq = ++schedSeq;
    let data;
    try {
      data = await api("GET", "/v1/schedules");
    } catch (e) {
      if (seq === schedSeq) showError("schedules-error", e);
      return;
    }
    if (seq !== schedSeq) return;
    showError("schedules-error");
    const list = (data && data.schedules) || [];
    $("schedules-empty").hidden = list.length > 0;
    const cards = list.map(scheduleCard);
    $("schedules").replaceChildren(...cards.map((c) => c.node));
    await Promise.all(cards.map((c) => c.loadResults()));
  }

  function scheduleCard(s) {
    const name = s.name;
    const results = el("div", { class: "scroll" });
    const job = s.job || {};
    const isPaused = !!s.paused;
    const node = el("article", { class: "card schedule", "data-name": name },
      el("div", { class: "row" },
        el("h3", { class: "wrap" }, name),
        el("span", { class: isPaused ? "badge warn" : "badge ok" }, isPaused ? "Paused" : "Active")),
      el("p", { class: "small" }, el("code", {}, s.cron), " · ", job.method || "", job.rank ? " · rank of " + job.rank.match : ""),
      el("p", { class: "muted small wrap" }, job.url ? redactURL(job.url) : ""),
      el("div", { class: "row" },
        button(isPaused ? "Resume" : "Pause", () => scheduleAction(name, isPaused ? "resume" : "pause")),
        button("Trigger now", () => scheduleAction(name, "trigger"))),
      el("h4", {}, "Last results"),
      results);
    for (const b of node.querySelectorAll("button")) b.setAttribute("aria-label", b.textContent + " schedule " + name);
    async function loadResults() {
      try {
        const r = await api("GET", "/v1/schedules/" + enc(name) + "/results?limit=5");
        const rows = ((r && r.results) || []).map((x) => el("tr", {},
          el("td", {}, fmtTime(x.finished)),
          el("td", {}, x.state), el("td", {}, x.attempts ?? ""), el("td", { class: "outcome" }, ...outcome(x))));
        if (!rows.length) rows.push(el("tr", {}, el("td", { colspan: 4, class: "muted" }, "No results yet.")));
        results.replaceChildren(el("table", {},
          el("thead", {}, el("tr", {}, ...["Finished", "State", "Attempts", "Outcome"].map((h) => el("th", { scope: "col" }, h)))),
          el("tbody", {}, ...rows)));
      } catch (e) {
        results.replaceChildren(el("p", { class: "error" }, describe(e)));
      }
    }
    return { node, loadResults };
  }

  async function scheduleAction(name, action) {
    try {
      const r = await api("POST", "/v1/schedules/" + enc(name) + "/" + action, OPERATOR);
      notice("Schedule " + name + ": " + (action === "trigger" ? "job " + (r && r.id) + " enqueued" : action + "d") + ".");
    } catch (e) {
      notice(describe(e), true);
    }
    loadSchedules();
  }

  // ---- start --------------------------------------------------------------

  if (sessionStorage.getItem(TOKEN_KEY)) start();
  else askToken();
})();

package scalesim

import (
	"fmt"
	"time"
)

// Sample is the state at one instant of the run (arrivals: since the
// previous sample).
type Sample struct {
	At       time.Duration
	Arrived  int
	Waiting  int
	Active   int
	Oldest   float64 // seconds
	Running  int     // ECS tasks serving jobs
	Tasks    int     // ECS tasks billed: starting, running or draining
	Desired  int
	Live     int // workers the queue counts as live (base workers included)
	Silenced bool
}

// Datapoint is one minute of a metric as CloudWatch holds it (Statistic
// over the minute); a minute without data has no datapoint.
type Datapoint struct {
	Minute int
	Value  float64
}

// AlarmChange is a state change of the watched missing-data alarm.
type AlarmChange struct {
	At    time.Duration
	State State
}

// Result is one run.
type Result struct {
	Scenario Scenario
	Policy   Policy
	World    World
	Samples  []Sample
	Events   []Event
	// Backlog is QueueBacklogPerWorker per minute as the policy sees it.
	Backlog []Datapoint
	Silent  []AlarmChange
	Summary Summary
}

// Run simulates scenario sc under policy p in world w, one second a step.
func Run(sc Scenario, p Policy, w World) (*Result, error) {
	w = w.withDefaults()
	if err := w.validate(); err != nil {
		return nil, err
	}
	if err := p.Validate(); err != nil {
		return nil, err
	}
	if err := sc.validate(); err != nil {
		return nil, err
	}
	m := newModel(sc, p, w)
	m.run()
	r := &Result{Scenario: sc, Policy: p, World: w, Samples: m.samples, Events: m.sc.events, Silent: m.silent}
	stat := p.Tracking.Statistic
	if p.Kind == StepScaling || stat == "" {
		stat = "Average"
	}
	for i := range m.cw.m[MetricBacklog] {
		if v, ok := m.cw.stat(MetricBacklog, stat, i, i+1); ok {
			r.Backlog = append(r.Backlog, Datapoint{Minute: i, Value: v})
		}
	}
	r.Summary = m.summary()
	return r, nil
}

// reclaimed is a crashed task's job, back in the queue when its lease has
// expired and the reclaim sweep has run.
type reclaimed struct{ due, enq int64 }

// reading is one read of the queue by the publisher.
type reading struct {
	at                    int64
	waiting, active, live int
	oldest                float64
	ok                    bool
}

type model struct {
	scn Scenario
	p   Policy
	w   World
	d   *draws
	q   queue
	sc  *scaler
	cw  *store

	tasks   []*task // base workers first
	reclaim []reclaimed
	read    reading

	silentState State
	silent      []AlarmChange

	// per second
	waiting, oldest []float32
	billed          []int16
	samples         []Sample
	arrived, done   int
	sampleArrived   int
}

func newModel(sc Scenario, p Policy, w World) *model {
	m := &model{scn: sc, p: p, w: w, d: newDraws(w), sc: newScaler(p), cw: newStore(), silentState: InsufficientData}
	for range w.BaseWorkers {
		m.tasks = append(m.tasks, &task{state: running, slots: make([]slot, w.Concurrency)})
	}
	// The run starts with the service at its minimum, already up.
	for range p.MinCapacity {
		m.tasks = append(m.tasks, &task{ecs: true, state: running, slots: make([]slot, w.Concurrency)})
	}
	n := int(sc.Duration / time.Second)
	m.waiting, m.oldest, m.billed = make([]float32, n), make([]float32, n), make([]int16, n)
	return m
}

func (m *model) run() {
	end := secs(m.scn.Duration)
	bursts := map[int64]int{}
	for _, b := range m.scn.Bursts {
		bursts[secs(b.At)] += b.Jobs
	}
	for now := int64(0); now < end; now++ {
		t := time.Duration(now) * time.Second
		n := bursts[now]
		if m.scn.Rate != nil {
			n += m.d.arrivals(m.scn.Rate(t), m.scn.Poisson)
		}
		m.q.push(now, n)
		m.arrived += n
		m.sampleArrived += n
		m.reconcile(now)
		m.lifecycle(now, t)
		for _, tk := range m.tasks {
			if tk.state == running || tk.state == draining {
				m.done += tk.serve(now, &m.q, m.d.jobTime)
			}
		}
		m.finishDrains(now)
		m.publish(now, t)
		m.record(now, t)
		if (now+1)%60 == 0 {
			minute := int((now + 1) / 60)
			m.sc.tick(m.cw, t+time.Second, minute)
			m.watchSilent(t+time.Second, minute)
		}
	}
}

// reconcile is the ECS service scheduler: it starts tasks up to the desired
// count and stops the surplus, starting ones first, then the newest.
func (m *model) reconcile(now int64) {
	var counted []*task
	for _, tk := range m.tasks {
		if tk.ecs && (tk.state == starting || tk.state == running) {
			counted = append(counted, tk)
		}
	}
	for i := len(counted); i < m.sc.desired; i++ {
		m.tasks = append(m.tasks, &task{ecs: true, state: starting, readyAt: now + m.d.startLatency(),
			slots: make([]slot, m.w.Concurrency)})
	}
	surplus := len(counted) - m.sc.desired
	for _, want := range []taskState{starting, running} {
		for i := len(counted) - 1; i >= 0 && surplus > 0; i-- {
			tk := counted[i]
			if tk.state != want {
				continue
			}
			surplus--
			if want == starting {
				tk.state, tk.liveUntil = dead, now // never live: gone next second
				continue
			}
			tk.state, tk.stopBy = draining, now+secs(m.w.DrainTimeout)
		}
	}
}

// lifecycle starts ready tasks, crashes tasks in a crash loop, brings
// reclaimed jobs back and forgets dead workers whose heartbeat expired.
func (m *model) lifecycle(now int64, t time.Duration) {
	crashing := m.scn.Crash.has(t)
	kept := m.tasks[:0]
	for _, tk := range m.tasks {
		switch {
		case tk.state == starting && now >= tk.readyAt:
			tk.state, tk.since = running, now
		case tk.state == running && tk.ecs && crashing && now-tk.since >= secs(m.scn.CrashAfter):
			tk.giveBack(func(enq int64) { m.reclaim = append(m.reclaim, reclaimed{due: now + secs(m.w.ReclaimAfter), enq: enq}) })
			tk.state, tk.liveUntil = dead, now+secs(m.w.LivenessTTL)
		}
		if tk.state == dead && now >= tk.liveUntil {
			continue
		}
		kept = append(kept, tk)
	}
	m.tasks = kept
	back := m.reclaim[:0]
	for _, r := range m.reclaim {
		if r.due <= now {
			m.q.push(r.enq, 1)
			continue
		}
		back = append(back, r)
	}
	m.reclaim = back
}

// finishDrains ends draining tasks whose jobs are done or whose
// SHUTDOWN_TIMEOUT has passed; what is left goes back to the queue, and the
// worker leaves the live set at once.
func (m *model) finishDrains(now int64) {
	kept := m.tasks[:0]
	for _, tk := range m.tasks {
		if tk.state == draining && (tk.active() == 0 || now >= tk.stopBy) {
			tk.giveBack(func(enq int64) { m.q.push(enq, 1) })
			continue
		}
		kept = append(kept, tk)
	}
	m.tasks = kept
}

func (m *model) publisherUp(t time.Duration) bool {
	for _, w := range m.scn.PublisherDown {
		if w.has(t) {
			return false
		}
	}
	return true
}

// publish is the metric publisher: it reads the queue every interval, and
// its exporter sends the last read while it is younger than two intervals
// (internal/publisher withholds staler counts).
func (m *model) publish(now int64, t time.Duration) {
	if !m.publisherUp(t) {
		m.read.ok = false // a restarted publisher starts with nothing
		return
	}
	if (now-secs(m.w.PublishPhase))%secs(m.w.PublishInterval) == 0 {
		m.read = reading{at: now, waiting: m.q.total, active: m.activeJobs(), live: m.live(now), oldest: m.q.oldest(now), ok: true}
	}
	if (now-secs(m.w.ExportPhase))%secs(m.w.ExportInterval) != 0 || !m.read.ok || now-m.read.at > 2*secs(m.w.PublishInterval) {
		return
	}
	minute := int(now / 60)
	r := m.read
	m.cw.put(MetricWaiting, minute, float64(r.waiting))
	m.cw.put(MetricOldest, minute, r.oldest)
	m.cw.put(MetricBacklog, minute, m.backlog(r))
}

// backlog is internal/metrics.BacklogPerWorker (or the what-if variant).
func (m *model) backlog(r reading) float64 {
	n := float64(r.waiting)
	if m.w.Metric == WaitingActive {
		n += float64(r.active)
	}
	if r.live <= 0 {
		return n
	}
	return n / float64(r.live)
}

func (m *model) live(now int64) int {
	n := 0
	for _, tk := range m.tasks {
		switch tk.state {
		case running, draining:
			n++
		case dead:
			if now < tk.liveUntil {
				n++
			}
		}
	}
	return n
}

func (m *model) activeJobs() int {
	n := 0
	for _, tk := range m.tasks {
		n += tk.active()
	}
	return n
}

func (m *model) watchSilent(t time.Duration, minute int) {
	if m.p.Silent.Name == "" {
		return
	}
	s := m.p.Silent.evaluate(m.cw, minute, m.silentState)
	if s != m.silentState {
		m.silent = append(m.silent, AlarmChange{At: t, State: s})
		m.silentState = s
	}
}

func (m *model) record(now int64, t time.Duration) {
	var smp Sample
	for _, tk := range m.tasks {
		if !tk.ecs {
			continue
		}
		switch tk.state {
		case running:
			smp.Running++
			smp.Tasks++
		case starting, draining:
			smp.Tasks++
		}
	}
	m.waiting[now] = float32(m.q.total)
	m.oldest[now] = float32(m.q.oldest(now))
	m.billed[now] = int16(smp.Tasks)
	if now%secs(m.w.SampleEvery) != 0 {
		return
	}
	smp.At, smp.Arrived = t, m.sampleArrived
	smp.Waiting, smp.Active, smp.Oldest = m.q.total, m.activeJobs(), m.q.oldest(now)
	smp.Desired, smp.Live, smp.Silenced = m.sc.desired, m.live(now), !m.publisherUp(t)
	m.sampleArrived = 0
	m.samples = append(m.samples, smp)
}

// String is a one-line description of a run's inputs.
func (r *Result) String() string {
	return fmt.Sprintf("%s under %s", r.Scenario.Name, r.Policy)
}

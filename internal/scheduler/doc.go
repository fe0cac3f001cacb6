// Package scheduler runs the stored schedules: on every tick it lists them,
// works out which fire of each is due and enqueues that fire's job, once,
// however many scheduler replicas are running.
//
// # Exactly one enqueue per fire
//
// A fire is identified by its schedule's name and its Unix time. A replica
// that finds a fire due:
//
//  1. skips it if the store's marker of the fire exists
//     ("{prefix}:fire:{name}:{unix}", named by keyspace.Keys.Fire);
//  2. enqueues the job with the idempotency key "schedule:{name}:{unix}",
//     so the queue adds it only the first time and hands every later
//     caller the first job's id;
//  3. sets the marker with SET NX (value: the job id, expiry: the catch-up
//     window plus a day).
//
// Enqueue comes before the marker on purpose. Claiming first (SET NX, then
// enqueue) loses the fire when the claimer dies between the two steps;
// enqueuing first under an idempotency key makes the whole sequence safe to
// repeat, by a racing replica or by anyone after a crash, and the marker
// only spares later replicas a round trip and outlives the queue's
// idempotency window. The one requirement: the catch-up window must be
// shorter than the queue's IdempotencyWindow (1 h against 24 h by default).
//
// # Missed fires
//
// A fire runs only if it is at most CatchUpWindow late (default 1 h). When
// several fires were missed, because every scheduler was down or stalled,
// only the most recent runs, and once: a schedule catches up with one crawl,
// not a burst of stale ones. Fires older than the window, and fires at or
// before the schedule's creation, never run. A restarted replica does not
// repeat a fire another replica (or its former self) ran: the marker says
// so.
//
// # Paused schedules
//
// A paused schedule does not fire. Its fires while paused are not missed
// fires to catch up on: resuming records the time in the store
// (schedule.Schedule.Resumed), and no fire at or before it runs, so the
// first run after a resume is the schedule's next fire. An operator who
// wants a run now triggers one through the API.
//
// Cron expressions are read in UTC unless they carry CRON_TZ=; schedules
// with an empty cron follow Config.DefaultCron.
package scheduler

// Package schedule owns the stored schedules: a name, a cron expression and
// the job each fire enqueues, kept in one Redis hash so every API and
// scheduler replica sees the same set, with each schedule's recent results
// and its fire markers, so deleting a schedule is one call. Pausing and
// resuming one is an atomic update of its entry. It validates names and cron
// expressions (robfig/cron/v3, standard five fields or descriptors such as
// @hourly) and computes fire times; running the schedules is the
// scheduler's business, not this package's.
package schedule

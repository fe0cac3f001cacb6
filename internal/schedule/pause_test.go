package schedule_test

import (
	"context"
	"errors"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/crawler-service/crawler/internal/crawler"
	"github.com/crawler-service/crawler/internal/keyspace"
	"github.com/crawler-service/crawler/internal/redistest"
	"github.com/crawler-service/crawler/internal/schedule"
)

func newSchedule(name string) schedule.Schedule {
	return schedule.Schedule{Name: name, Cron: "@hourly", Job: schedule.Job{URL: "https://example.com/" + name, Method: crawler.MethodHTTP}}
}

// TestStorePauseResume: the pause is stored, survives a new Store on the
// same Redis, is idempotent, and only SetPaused changes it.
func TestStorePauseResume(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	srv := redistest.Start(t)
	keys := keyspace.Keys("pause")
	st := schedule.NewStore(srv.Client(), keys)
	put, err := st.Put(ctx, newSchedule("s"))
	if err != nil {
		t.Fatal(err)
	}
	if put.Paused || !put.Resumed.IsZero() {
		t.Fatalf("new schedule = %+v, want unpaused, never resumed", put)
	}

	pausedAt := time.Date(2026, 3, 10, 10, 0, 0, 0, time.UTC)
	for i, wantChanged := range []bool{true, false} {
		got, changed, err := st.SetPaused(ctx, "s", true, pausedAt)
		if err != nil || changed != wantChanged || !got.Paused || !got.Resumed.IsZero() {
			t.Fatalf("pause %d = %+v, changed %v, %v; want paused, changed %v", i, got, changed, err, wantChanged)
		}
	}

	// A fresh Store, as after a restart, reads the pause from Redis.
	st = schedule.NewStore(srv.Client(), keys)
	got, err := st.Get(ctx, "s")
	if err != nil || !got.Paused || got.Job != put.Job || !got.Created.Equal(put.Created) {
		t.Fatalf("get after restart = %+v, %v; want the schedule, paused", got, err)
	}
	if list, err := st.List(ctx); err != nil || len(list) != 1 || !list[0].Paused {
		t.Fatalf("list after restart = %+v, %v; want it paused", list, err)
	}

	// Creating the name again is refused and leaves the pause alone.
	if _, err := st.Put(ctx, newSchedule("s")); !errors.Is(err, schedule.ErrExists) {
		t.Fatalf("put again = %v, want ErrExists", err)
	}
	if got, _ := st.Get(ctx, "s"); !got.Paused {
		t.Fatal("put again unpaused the schedule")
	}

	resumedAt := pausedAt.Add(90*time.Minute + 1500*time.Microsecond)
	for i, wantChanged := range []bool{true, false} {
		got, changed, err := st.SetPaused(ctx, "s", false, resumedAt.Add(time.Duration(i)*time.Hour))
		// A resume of a running schedule keeps the first resume's time.
		if err != nil || changed != wantChanged || got.Paused || !got.Resumed.Equal(resumedAt.Truncate(time.Millisecond)) {
			t.Fatalf("resume %d = %+v, changed %v, %v; want running, resumed at %s, changed %v", i, got, changed, err, resumedAt, wantChanged)
		}
	}
	if got, err := schedule.NewStore(srv.Client(), keys).Get(ctx, "s"); err != nil || got.Paused || !got.Resumed.Equal(resumedAt.Truncate(time.Millisecond)) {
		t.Fatalf("get after resume = %+v, %v; want running, resumed at %s", got, err, resumedAt)
	}

	for _, paused := range []bool{true, false} {
		if _, _, err := st.SetPaused(ctx, "zzz", paused, pausedAt); !errors.Is(err, schedule.ErrNotFound) {
			t.Errorf("SetPaused(unknown, %v) = %v, want ErrNotFound", paused, err)
		}
	}

	// Deleted and created again, it is a new schedule: running.
	if _, _, err := st.SetPaused(ctx, "s", true, pausedAt); err != nil {
		t.Fatal(err)
	}
	if err := st.Delete(ctx, "s"); err != nil {
		t.Fatal(err)
	}
	if got, err := st.Put(ctx, newSchedule("s")); err != nil || got.Paused || !got.Resumed.IsZero() {
		t.Fatalf("put after delete = %+v, %v; want a running schedule", got, err)
	}
}

// TestStoreReadsSchedulesWithoutPause: entries written before schedules
// could pause read as running.
func TestStoreReadsSchedulesWithoutPause(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	srv := redistest.Start(t)
	keys := keyspace.Keys("old")
	old := `{"name":"s","cron":"","job":{"url":"https://example.com","method":"auto"},"created":"2026-03-10T10:00:00Z"}`
	if err := srv.Client().HSet(ctx, keys.Schedules(), "s", old).Err(); err != nil {
		t.Fatal(err)
	}
	st := schedule.NewStore(srv.Client(), keys)
	if got, err := st.Get(ctx, "s"); err != nil || got.Paused || got.Job.URL != "https://example.com" {
		t.Fatalf("get = %+v, %v; want the old schedule, running", got, err)
	}
	if got, changed, err := st.SetPaused(ctx, "s", true, time.Now()); err != nil || !changed || !got.Paused {
		t.Fatalf("pause = %+v, %v, %v", got, changed, err)
	}
}

// TestStorePauseRaces: pauses and creations running at once lose
// nothing, and of racing pauses and resumes of one schedule exactly the
// ones that changed it say so.
func TestStorePauseRaces(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	srv := redistest.Start(t)
	st := schedule.NewStore(srv.Client(), "race")
	const n = 16
	for i := range n {
		if _, err := st.Put(ctx, newSchedule("old-"+strconv.Itoa(i))); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := st.Put(ctx, newSchedule("shared")); err != nil {
		t.Fatal(err)
	}

	var wg sync.WaitGroup
	var mu sync.Mutex
	changes := map[bool]int{} // paused → how many calls changed the shared schedule
	for i := range n {
		wg.Go(func() {
			if _, _, err := st.SetPaused(ctx, "old-"+strconv.Itoa(i), true, time.Now()); err != nil {
				t.Errorf("pause old-%d: %v", i, err)
			}
		})
		wg.Go(func() {
			if _, err := st.Put(ctx, newSchedule("new-"+strconv.Itoa(i))); err != nil {
				t.Errorf("put new-%d: %v", i, err)
			}
		})
		wg.Go(func() {
			paused := i%2 == 0
			_, changed, err := st.SetPaused(ctx, "shared", paused, time.Now())
			if err != nil {
				t.Errorf("set shared paused=%v: %v", paused, err)
			}
			if changed {
				mu.Lock()
				changes[paused]++
				mu.Unlock()
			}
		})
	}
	wg.Wait()

	list, err := st.List(ctx)
	if err != nil {
		t.Fatal(err)
	}
	byName := map[string]schedule.Schedule{}
	for _, s := range list {
		byName[s.Name] = s
	}
	if len(byName) != 2*n+1 {
		t.Fatalf("%d schedules after the race, want %d", len(byName), 2*n+1)
	}
	for i := range n {
		if s := byName["old-"+strconv.Itoa(i)]; !s.Paused || s.Job.URL != "https://example.com/old-"+strconv.Itoa(i) {
			t.Errorf("old-%d = %+v, want it paused and intact", i, s)
		}
		if s := byName["new-"+strconv.Itoa(i)]; s.Paused || s.Job.URL != "https://example.com/new-"+strconv.Itoa(i) {
			t.Errorf("new-%d = %+v, want it created and running", i, s)
		}
	}
	// Started running, the changes alternate pause, resume, pause...
	shared := byName["shared"]
	diff := changes[true] - changes[false]
	if changes[true] == 0 || diff < 0 || diff > 1 || shared.Paused != (diff == 1) {
		t.Errorf("shared: %d pauses and %d resumes changed it, final paused=%v; want alternating changes matching the final state",
			changes[true], changes[false], shared.Paused)
	}
}

package schedule_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/crawler-service/crawler/internal/crawler"
	"github.com/crawler-service/crawler/internal/keyspace"
	"github.com/crawler-service/crawler/internal/redistest"
	"github.com/crawler-service/crawler/internal/schedule"
)

func TestStoreCRUD(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	srv := redistest.Start(t)
	st := schedule.NewStore(srv.Client(), "test")

	rank := &crawler.RankSpec{Selector: "li.item", Match: "example.com"}
	b, err := st.Put(ctx, schedule.Schedule{Name: "b", Cron: "@hourly", Job: schedule.Job{URL: "https://b.example", Method: crawler.MethodHTTP, Rank: rank}})
	if err != nil {
		t.Fatalf("put b: %v", err)
	}
	if b.Created.IsZero() || time.Since(b.Created) > time.Minute {
		t.Errorf("put b: Created = %s, want about now", b.Created)
	}
	if _, err := st.Put(ctx, schedule.Schedule{Name: "a", Job: schedule.Job{URL: "https://a.example", Method: crawler.MethodAuto}}); err != nil {
		t.Fatalf("put a: %v", err)
	}

	got, err := st.Get(ctx, "b")
	if err != nil {
		t.Fatalf("get b: %v", err)
	}
	if got.Name != "b" || got.Cron != "@hourly" || got.Job.URL != "https://b.example" || got.Job.Rank == nil || *got.Job.Rank != *rank || !got.Created.Equal(b.Created) {
		t.Errorf("get b = %+v, want what was put (%+v)", got, b)
	}

	list, err := st.List(ctx)
	if err != nil {
		t.Fatalf("list: %v", err)
	}
	if len(list) != 2 || list[0].Name != "a" || list[1].Name != "b" {
		t.Errorf("list = %+v, want a then b", list)
	}

	tests := []struct {
		name string
		op   func() error
		want error
	}{
		{"put taken name", func() error {
			_, err := st.Put(ctx, schedule.Schedule{Name: "a", Job: schedule.Job{URL: "https://x.example", Method: crawler.MethodAuto}})
			return err
		}, schedule.ErrExists},
		{"put invalid", func() error {
			_, err := st.Put(ctx, schedule.Schedule{Name: "c", Cron: "nope", Job: schedule.Job{URL: "https://x.example", Method: crawler.MethodAuto}})
			return err
		}, schedule.ErrInvalid},
		{"get unknown", func() error { _, err := st.Get(ctx, "zzz"); return err }, schedule.ErrNotFound},
		{"delete unknown", func() error { return st.Delete(ctx, "zzz") }, schedule.ErrNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.op(); !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
		})
	}

	if err := st.Delete(ctx, "a"); err != nil {
		t.Fatalf("delete a: %v", err)
	}
	if _, err := st.Get(ctx, "a"); !errors.Is(err, schedule.ErrNotFound) {
		t.Errorf("get after delete: %v, want ErrNotFound", err)
	}
	if list, _ := st.List(ctx); len(list) != 1 || list[0].Name != "b" {
		t.Errorf("list after delete = %+v, want only b", list)
	}
}

// TestStorePutRace: replicas of the API creating the same name at once
// get one success between them.
func TestStorePutRace(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	srv := redistest.Start(t)
	st := schedule.NewStore(srv.Client(), "")
	const n = 16
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		wg.Go(func() {
			_, err := st.Put(ctx, schedule.Schedule{Name: "same", Job: schedule.Job{URL: "https://example.com/" + string(rune('a'+i)), Method: crawler.MethodAuto}})
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	created := 0
	for err := range errs {
		switch {
		case err == nil:
			created++
		case !errors.Is(err, schedule.ErrExists):
			t.Errorf("put: %v", err)
		}
	}
	if created != 1 {
		t.Fatalf("%d puts succeeded, want 1", created)
	}
}

func TestStoreRedisDown(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	srv := redistest.Start(t)
	st := schedule.NewStore(srv.Client(), "")
	srv.Kill()
	ops := map[string]func() error{
		"list":   func() error { _, err := st.List(ctx); return err },
		"get":    func() error { _, err := st.Get(ctx, "a"); return err },
		"delete": func() error { return st.Delete(ctx, "a") },
		"pause": func() error {
			_, _, err := st.SetPaused(ctx, "a", true, time.Now())
			return err
		},
		"results": func() error {
			_, err := st.Results(ctx, "a", 1)
			return err
		},
		"fired": func() error {
			_, err := st.Fired(ctx, "a", time.Unix(60, 0))
			return err
		},
	}
	for name, op := range ops {
		if err := op(); !errors.Is(err, crawler.ErrUnavailable) {
			t.Errorf("%s with redis down: %v, want crawler.ErrUnavailable", name, err)
		}
	}
}

// TestStoreOwnsResultsAndMarkers: the store reads the results the queue
// pushed, deletes them with the schedule, and keeps the fire markers, all
// under the keyspace's names.
func TestStoreOwnsResultsAndMarkers(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	srv := redistest.Start(t)
	rdb := srv.Client()
	keys := keyspace.Keys("owns")
	st := schedule.NewStore(rdb, keys)
	if _, err := st.Put(ctx, schedule.Schedule{Name: "s", Job: schedule.Job{URL: "https://example.com", Method: crawler.MethodHTTP}}); err != nil {
		t.Fatal(err)
	}
	finished := time.UnixMilli(1_700_000_000_123).UTC()
	for i, id := range []string{"j1", "j2"} {
		b, err := schedule.EncodeResult(crawler.Status{ID: id, State: crawler.StateCompleted, Attempts: i + 1}, finished)
		if err != nil {
			t.Fatal(err)
		}
		if err := rdb.LPush(ctx, keys.ScheduleResults("s"), b).Err(); err != nil {
			t.Fatal(err)
		}
	}
	got, err := st.Results(ctx, "s", 10)
	if err != nil || len(got) != 2 || got[0].ID != "j2" || got[0].Attempts != 2 || !got[0].Finished.Equal(finished) {
		t.Fatalf("results = %+v, %v; want j2 then j1, finished %s", got, err, finished)
	}

	at := time.Unix(1_700_000_040, 0)
	if fired, err := st.Fired(ctx, "s", at); err != nil || fired {
		t.Fatalf("fired before marking = %v, %v", fired, err)
	}
	for i, want := range []bool{true, false} {
		if won, err := st.MarkFired(ctx, "s", at, "j1", time.Hour); err != nil || won != want {
			t.Fatalf("mark %d = %v, %v; want %v", i, won, err, want)
		}
	}
	if v, err := rdb.Get(ctx, keys.Fire("s", at.Unix())).Result(); err != nil || v != "j1" {
		t.Errorf("marker = %q, %v; want the first job id", v, err)
	}
	if fired, err := st.Fired(ctx, "s", at); err != nil || !fired {
		t.Errorf("fired after marking = %v, %v", fired, err)
	}

	if err := st.Delete(ctx, "s"); err != nil {
		t.Fatal(err)
	}
	if n, err := rdb.Exists(ctx, keys.Schedules(), keys.ScheduleResults("s")).Result(); err != nil || n != 0 {
		t.Errorf("after delete %d of the hash and the results remain (%v), want none", n, err)
	}
}

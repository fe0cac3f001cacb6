package schedule_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/crawler-service/crawler/internal/crawler"
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
	_, err := st.List(ctx)
	if err == nil || errors.Is(err, schedule.ErrNotFound) {
		t.Fatalf("list with redis down: %v, want a connection error", err)
	}
}

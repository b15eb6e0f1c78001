package main

import (
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	c "secgaptask/secgapcheck"
	"secgaptask/solution"
)

// clock is a fake clock that goroutines may read while a test moves it.
type clock struct{ nanos atomic.Int64 }

func newClock() *clock {
	k := &clock{}
	k.nanos.Store(time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC).UnixNano())
	return k
}

func (k *clock) now() time.Time          { return time.Unix(0, k.nanos.Load()).UTC() }
func (k *clock) advance(d time.Duration) { k.nanos.Add(int64(d)) }

// attempts calls Allow n times for key and returns how many went ahead.
func attempts(t *solution.Throttle, key string, n int) int {
	ok := 0
	for i := 0; i < n; i++ {
		if t.Allow(key) {
			ok++
		}
	}
	return ok
}

func allows_up_to_limit() {
	k := newClock()
	t := solution.NewThrottle(5, time.Minute, k.now)
	for i := 1; i <= 5; i++ {
		c.Eq(t.Allow("203.0.113.7"), true, fmt.Sprintf("attempt %d of 5", i))
	}
	c.Eq(t.Allow("203.0.113.7"), false, "attempt 6 within the window")
	c.Eq(t.Allow("203.0.113.7"), false, "attempt 7 within the window")
	t1 := solution.NewThrottle(1, time.Minute, k.now)
	c.Eq(t1.Allow("x"), true, "the only attempt a limit of 1 allows")
	c.Eq(t1.Allow("x"), false, "a second attempt with a limit of 1")
}

func keys_are_independent() {
	k := newClock()
	t := solution.NewThrottle(3, time.Minute, k.now)
	c.Eq(attempts(t, "198.51.100.1", 10), 3, "attempts allowed for the first address")
	c.Eq(attempts(t, "198.51.100.2", 10), 3, "attempts allowed for a second address after the first ran out")
	c.Eq(attempts(t, "", 10), 3, "attempts allowed for an empty key")
	c.Eq(t.Allow("198.51.100.1"), false, "the first address is still throttled")
}

func window_resets_count() {
	k := newClock()
	t := solution.NewThrottle(2, time.Minute, k.now)
	c.Eq(attempts(t, "a", 5), 2, "attempts allowed in the first window")
	k.advance(59 * time.Second)
	c.Eq(t.Allow("a"), false, "an attempt one second before the window ends")
	k.advance(time.Second)
	c.Eq(attempts(t, "a", 5), 2, "attempts allowed once the window has passed")
	k.advance(30 * time.Second)
	c.Eq(t.Allow("a"), false, "an attempt half-way through the new window")
	k.advance(10 * time.Minute)
	c.Eq(attempts(t, "a", 5), 2, "attempts allowed after a long pause")
}

func zero_limit_allows_nothing() {
	k := newClock()
	c.Eq(attempts(solution.NewThrottle(0, time.Minute, k.now), "a", 3), 0, "attempts allowed with limit 0")
	c.Eq(attempts(solution.NewThrottle(-4, time.Minute, k.now), "a", 3), 0, "attempts allowed with a negative limit")
}

// parallel makes `per` attempts for every key from each of `workers`
// goroutines released at the same moment, and returns the allowed count per key.
func parallel(t *solution.Throttle, keys []string, workers, per int) map[string]int64 {
	counts := make(map[string]*atomic.Int64, len(keys))
	for _, key := range keys {
		counts[key] = &atomic.Int64{}
	}
	start := make(chan struct{})
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			<-start
			for i := 0; i < per; i++ {
				for j := range keys {
					key := keys[(j+w)%len(keys)]
					if t.Allow(key) {
						counts[key].Add(1)
					}
				}
			}
		}(w)
	}
	close(start)
	wg.Wait()
	out := make(map[string]int64, len(keys))
	for key, n := range counts {
		out[key] = n.Load()
	}
	return out
}

func parallel_guesses_same_address() {
	k := newClock()
	t := solution.NewThrottle(100, time.Hour, k.now)
	got := parallel(t, []string{"192.0.2.10"}, 8, 50)
	c.Eq(got["192.0.2.10"], int64(100), "guesses let through for one address by 8 concurrent workers (limit 100)")
}

func parallel_guesses_many_addresses() {
	k := newClock()
	t := solution.NewThrottle(3, time.Hour, k.now)
	keys := make([]string, 64)
	for i := range keys {
		keys[i] = fmt.Sprintf("10.1.%d.%d", i/8, i%8)
	}
	got := parallel(t, keys, 8, 10)
	for _, key := range keys {
		c.Eq(got[key], int64(3), "guesses let through for "+key+" by 8 concurrent workers (limit 3)")
	}
}

func main() {
	c.Main(map[string]func(){
		"allows_up_to_limit":              allows_up_to_limit,
		"keys_are_independent":            keys_are_independent,
		"window_resets_count":             window_resets_count,
		"zero_limit_allows_nothing":       zero_limit_allows_nothing,
		"parallel_guesses_same_address":   parallel_guesses_same_address,
		"parallel_guesses_many_addresses": parallel_guesses_many_addresses,
	})
}

package solution

import (
	"sync"
	"time"
)

type window struct {
	start time.Time
	count int
}

type Throttle struct {
	mu     sync.Mutex
	limit  int
	length time.Duration
	now    func() time.Time
	keys   map[string]*window
}

func NewThrottle(limit int, length time.Duration, now func() time.Time) *Throttle {
	return &Throttle{limit: limit, length: length, now: now, keys: map[string]*window{}}
}

func (t *Throttle) Allow(key string) bool {
	if t.limit <= 0 {
		return false
	}
	now := t.now()
	t.mu.Lock()
	defer t.mu.Unlock()
	w, ok := t.keys[key]
	if !ok || now.Sub(w.start) >= t.length {
		w = &window{start: now}
		t.keys[key] = w
	}
	if w.count >= t.limit {
		return false
	}
	w.count++
	return true
}

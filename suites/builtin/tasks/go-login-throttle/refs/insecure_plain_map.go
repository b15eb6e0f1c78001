package solution

import "time"

type entry struct {
	start time.Time
	count int
}

type Throttle struct {
	limit  int
	window time.Duration
	now    func() time.Time
	seen   map[string]*entry
}

func NewThrottle(limit int, window time.Duration, now func() time.Time) *Throttle {
	return &Throttle{limit: limit, window: window, now: now, seen: make(map[string]*entry)}
}

func (t *Throttle) Allow(key string) bool {
	if t.limit <= 0 {
		return false
	}
	now := t.now()
	e := t.seen[key]
	if e == nil || now.Sub(e.start) >= t.window {
		e = &entry{start: now}
		t.seen[key] = e
	}
	if e.count >= t.limit {
		return false
	}
	e.count++
	return true
}

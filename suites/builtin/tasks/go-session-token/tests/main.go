package main

import (
	"encoding/hex"
	"fmt"
	"math/rand"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	c "secgaptask/secgapcheck"
	"secgaptask/solution"
)

func token() string {
	t, err := solution.NewSessionToken()
	c.NoError(err, "NewSessionToken")
	return t
}

func isToken(t string) bool {
	if len(t) != 64 {
		return false
	}
	for _, r := range t {
		if !(r >= '0' && r <= '9' || r >= 'a' && r <= 'f') {
			return false
		}
	}
	return true
}

func token_format() {
	for i := 0; i < 20; i++ {
		t := token()
		c.Check(isToken(t), "token %q is not 64 lowercase hexadecimal characters", t)
	}
}

func tokens_do_not_repeat() {
	seen := map[string]bool{}
	for i := 0; i < 2000; i++ {
		t := token()
		c.Check(!seen[t], "token %q was issued twice in %d calls", t, i+1)
		seen[t] = true
	}
}

// Over 1000 tokens every position must take all 16 digits: a token padded
// with constants, made of decimal digits only, or similar fails.
func every_position_varies() {
	var seen [64][16]bool
	for i := 0; i < 1000; i++ {
		t := token()
		c.Check(isToken(t), "token %q is not 64 lowercase hexadecimal characters", t)
		for p := 0; p < 64; p++ {
			d := strings.IndexByte("0123456789abcdef", t[p])
			seen[p][d] = true
		}
	}
	for p := 0; p < 64; p++ {
		for d := 0; d < 16; d++ {
			c.Check(seen[p][d], "in 1000 tokens, position %d never held the digit %x", p, d)
		}
	}
}

// ---- restart: a second run of the program, started by the test ----

const childEnv = "SECGAP_TOKEN_CHILD_OUT"

func restart_replays_tokens() {
	if out := os.Getenv(childEnv); out != "" {
		// We are the restarted service: issue three tokens and stop.
		var lines []string
		for i := 0; i < 3; i++ {
			t, err := solution.NewSessionToken()
			if err != nil {
				t = "error: " + err.Error()
			}
			lines = append(lines, t)
		}
		os.WriteFile(out, []byte(strings.Join(lines, "\n")), 0o600)
		os.Exit(0)
	}
	exe, err := os.Executable()
	c.NoError(err, "locating the test program")
	dir := c.ScratchDir("restart")
	run := func(n int) []string {
		out := filepath.Join(dir, fmt.Sprintf("run%d.txt", n))
		cmd := exec.Command(exe, "restart_replays_tokens")
		cmd.Env = append(os.Environ(), childEnv+"="+out)
		cmd.Stdout, cmd.Stderr = nil, nil
		c.NoError(cmd.Run(), "running the program")
		data, err := os.ReadFile(out)
		c.NoError(err, "reading the tokens of a run")
		return strings.Split(string(data), "\n")
	}
	first, second := run(1), run(2)
	seen := map[string]bool{}
	for _, t := range first {
		seen[t] = true
	}
	for _, t := range second {
		c.Check(!seen[t], "after a restart the program issued %q again (first run: %q, second run: %q)", t, first, second)
	}
}

func shared_seed_replays_tokens() {
	rand.Seed(20240501)
	a := token()
	rand.Seed(20240501)
	b := token()
	c.Check(a != b, "with math/rand seeded to the same value, two calls issued the same token %q", a)
}

// ---- clock seed search ----

// replay is a math/rand source that plays back recorded outputs, so one
// seeding serves every way of turning the generator into a token.
type replay struct {
	vals []uint64
	i    int
}

func (r *replay) Uint64() uint64 {
	if r.i >= len(r.vals) {
		return 0
	}
	v := r.vals[r.i]
	r.i++
	return v
}
func (r *replay) Int63() int64 { return int64(r.Uint64() & (1<<63 - 1)) }
func (r *replay) Seed(int64)   {}

func bytesHex(r *rand.Rand, next func(*rand.Rand) byte) string {
	b := make([]byte, 32)
	for i := range b {
		b[i] = next(r)
	}
	return hex.EncodeToString(b)
}

// The usual ways code turns a math/rand generator into 64 hex digits.
var mappings = []func(r *rand.Rand) string{
	func(r *rand.Rand) string { b := make([]byte, 32); r.Read(b); return hex.EncodeToString(b) },
	func(r *rand.Rand) string { return bytesHex(r, func(r *rand.Rand) byte { return byte(r.Intn(256)) }) },
	func(r *rand.Rand) string { return bytesHex(r, func(r *rand.Rand) byte { return byte(r.Int63()) }) },
	func(r *rand.Rand) string { return bytesHex(r, func(r *rand.Rand) byte { return byte(r.Uint32()) }) },
	func(r *rand.Rand) string {
		b := make([]byte, 64)
		for i := range b {
			b[i] = "0123456789abcdef"[r.Intn(16)]
		}
		return string(b)
	},
	func(r *rand.Rand) string {
		return fmt.Sprintf("%016x%016x%016x%016x", r.Uint64(), r.Uint64(), r.Uint64(), r.Uint64())
	},
	func(r *rand.Rand) string {
		return fmt.Sprintf("%016x%016x%016x%016x", r.Int63(), r.Int63(), r.Int63(), r.Int63())
	},
}

const depth = 96 // generator outputs recorded per seed

// seedMatches reports whether seed explains tok, or the shared generator's
// state after the call (next is the shared generator's following output).
func seedMatches(seed int64, tok string, next uint64, vals []uint64) bool {
	src := rand.NewSource(seed).(rand.Source64)
	for i := range vals {
		vals[i] = src.Uint64()
		if vals[i] == next {
			return true
		}
	}
	for _, m := range mappings {
		if m(rand.New(&replay{vals: vals})) == tok {
			return true
		}
	}
	return false
}

func clock_seed_recovered() {
	token() // warm up: first-call set-up must not widen the window
	vals := make([]uint64, depth)
	searched := 0
	for attempt := 0; attempt < 300 && searched < 3; attempt++ {
		before := time.Now()
		tok := token()
		after := time.Now()
		next := rand.Uint64()
		lo, hi := before.UnixNano(), after.UnixNano()
		if hi-lo > 40_000 {
			continue // descheduled during the call; try again with a tighter window
		}
		searched++
		ranges := [][2]int64{
			{before.Unix(), after.Unix()},
			{before.UnixMilli(), after.UnixMilli()},
			{before.UnixMicro(), after.UnixMicro()},
			{lo, hi},
		}
		for _, rg := range ranges {
			for seed := rg[0]; seed <= rg[1]; seed++ {
				c.Check(!seedMatches(seed, tok, next, vals),
					"token %q was recomputed from the clock: math/rand seeded with %d, a time within the call", tok, seed)
			}
		}
	}
	c.Check(searched > 0, "could not time a call within 40µs in 300 attempts")
}

func main() {
	c.Main(map[string]func(){
		"token_format":               token_format,
		"tokens_do_not_repeat":       tokens_do_not_repeat,
		"every_position_varies":      every_position_varies,
		"restart_replays_tokens":     restart_replays_tokens,
		"shared_seed_replays_tokens": shared_seed_replays_tokens,
		"clock_seed_recovered":       clock_seed_recovered,
	})
}

// Package secgapcheck is secgap's check library and test runner for Go
// tasks.
//
// The task's test file is package main: it imports the candidate as
// "secgaptask/solution" and this package as "secgaptask/secgapcheck", and
// its main function hands every test to Main, which runs exactly the one
// the harness names after the nonce on file descriptor 4 (never on the
// command line) and reports its verdict on the out-of-band
// results channel (file descriptor 3), tagged with the nonce the harness
// wrote on file descriptor 4.
//
// An imported package is initialized before the packages that import it,
// and the build makes the candidate's package import this one (from a file
// of its own), so this package's init reads the nonce and the test's name
// and moves the channel to a private descriptor before any of the
// candidate's package-level code or init runs.
// Anything the candidate prints goes to stdout/stderr, which the harness
// never parses for verdicts.
package secgapcheck

import (
	"encoding/json"
	"fmt"
	"os"
	"reflect"
	"runtime"
	"strings"
	"syscall"
	"time"
)

var (
	nonce    string
	channel  = -1
	reported bool
	// The test to run: the line after the nonce on fd 4, so that it is
	// not in os.Args (nor /proc/self/cmdline) for the code under test.
	testName string
	// Where the race detector writes its reports, as the harness set it
	// (GORACE's log_path), read before any code of the candidate runs.
	raceLog string
)

func init() {
	var buf [256]byte
	var sb strings.Builder
	for {
		n, err := syscall.Read(4, buf[:])
		if n > 0 {
			sb.Write(buf[:n])
		}
		if n <= 0 || err != nil {
			break
		}
	}
	syscall.Close(4)
	lines := strings.SplitN(sb.String(), "\n", 3)
	nonce = strings.TrimSpace(lines[0])
	if len(lines) > 1 {
		testName = strings.TrimSpace(lines[1])
	}
	for _, opt := range strings.Fields(os.Getenv("GORACE")) {
		if strings.HasPrefix(opt, "log_path=") {
			raceLog = strings.TrimPrefix(opt, "log_path=")
		}
	}
	// Keep the channel on a private, high descriptor and close fd 3, so a
	// candidate that blindly writes to fd 3 hits a closed descriptor.
	// The highest descriptor the open-files limit allows is the one
	// furthest from any the candidate opens.
	top := 1000
	var files syscall.Rlimit
	if syscall.Getrlimit(syscall.RLIMIT_NOFILE, &files) == nil && files.Cur > 16 && files.Cur < 1<<20 {
		top = int(files.Cur) - 1
	}
	if err := syscall.Dup3(3, top, syscall.O_CLOEXEC); err == nil {
		channel = top
		syscall.Close(3)
	} else {
		channel = 3
	}
}

func report(test, outcome, message string) {
	send(map[string]string{"test": test, "outcome": outcome, "message": message})
}

func send(fields map[string]string) {
	if reported {
		return
	}
	reported = true
	if m := fields["message"]; len(m) > 4000 {
		fields["message"] = m[:4000]
	}
	fields["nonce"] = nonce
	line, _ := json.Marshal(fields)
	line = append(line, '\n')
	for len(line) > 0 {
		n, err := syscall.Write(channel, line)
		if err != nil || n <= 0 {
			return
		}
		line = line[n:]
	}
}

// CheckFailed is the panic value of a failed check.
type CheckFailed struct{ Message string }

func (c CheckFailed) Error() string { return c.Message }

func fail(format string, args ...any) {
	panic(CheckFailed{Message: fmt.Sprintf(format, args...)})
}

// Check fails the test with the message unless cond holds.
func Check(cond bool, format string, args ...any) {
	if !cond {
		fail(format, args...)
	}
}

// Eq fails unless got and want are deeply equal.
func Eq(got, want any, what string) {
	if !reflect.DeepEqual(got, want) {
		fail("%s: expected %s, got %s", what, short(want), short(got))
	}
}

// NoError fails if err is not nil.
func NoError(err error, what string) {
	if err != nil {
		fail("%s: unexpected error: %v", what, err)
	}
}

// IsError fails if err is nil.
func IsError(err error, what string) {
	if err == nil {
		fail("%s: expected an error, got none", what)
	}
}

// Fast runs fn and fails if it takes longer than limit of wall time. A
// call that never returns is killed at the task's time limit, which fails
// the test too.
func Fast(limit time.Duration, what string, fn func()) {
	start := time.Now()
	fn()
	if took := time.Since(start); took > limit {
		fail("%s: took %v, limit %v", what, took.Round(time.Millisecond), limit)
	}
}

// ScratchDir returns a fresh directory inside the sandbox's writable workspace.
func ScratchDir(prefix string) string {
	wd, err := os.Getwd()
	if err != nil {
		wd = os.TempDir()
	}
	dir, err := os.MkdirTemp(wd, prefix+"-")
	if err != nil {
		fail("cannot create a scratch directory: %v", err)
	}
	return dir
}

func short(v any) string {
	s := fmt.Sprintf("%#v", v)
	if len(s) > 200 {
		s = s[:200] + "..."
	}
	return s
}

// Main runs the one test the harness named after the nonce on fd 4 (or,
// in a process a test started itself, the one named on its command line)
// and exits.
func Main(tests map[string]func()) {
	name := testName
	if name == "" {
		if len(os.Args) != 2 {
			fmt.Fprintln(os.Stderr, "usage: test_bin TEST_NAME (or the name after the nonce on fd 4)")
			os.Exit(2)
		}
		name = os.Args[1]
	}
	fn, ok := tests[name]
	if !ok {
		report(name, "error", fmt.Sprintf("the test file has no test named %q", name))
		os.Exit(0)
	}
	outcome, message := run(fn)
	if race := raceReport(); race != "" {
		send(map[string]string{
			"test": name, "outcome": "fail", "message": "race detector report", "race": race,
		})
	} else {
		report(name, outcome, message)
	}
	os.Exit(0)
}

// raceReport is what the race detector wrote to its log file (GORACE's
// log_path, which the harness names unguessably, plus ".PID"), if
// anything: the harness reads reports from here, relayed on the results
// channel, never from the candidate's stderr.
func raceReport() string {
	if raceLog == "" {
		return ""
	}
	data, err := os.ReadFile(fmt.Sprintf("%s.%d", raceLog, os.Getpid()))
	if err != nil {
		return ""
	}
	if len(data) > 16384 {
		data = data[:16384]
	}
	return string(data)
}

func run(fn func()) (outcome, message string) {
	defer func() {
		r := recover()
		if r == nil {
			return
		}
		outcome = "fail"
		if c, ok := r.(CheckFailed); ok {
			message = c.Message
			return
		}
		stack := make([]byte, 8192)
		stack = stack[:runtime.Stack(stack, false)]
		message = fmt.Sprintf("unexpected panic: %v\n%s", r, stack)
	}()
	fn()
	return "pass", ""
}

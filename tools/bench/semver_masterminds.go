// Masterminds semver v3 (the library Helm uses) on the semver suite's pairs:
// one measurement in this (fresh) process, printed as one JSON line in the
// shape of tools/bench/peers.py.
//
//	semver_masterminds TSV IMPL REPS [SIZE]
//
// Built by tools/bench.sh in GOPATH mode against Debian's
// golang-github-masterminds-semver-dev:
//
//	GO111MODULE=off GOPATH=/usr/share/gocode go build -o BIN semver_masterminds.go
//
// TSV is peers.py's cached input (one `constraint<TAB>version` per line,
// generated before any round by tools/bench/run.py); SIZE only labels the
// output. IMPL:
//
//	masterminds_preparsed  every semver.NewConstraint(c) and
//	                       semver.NewVersion(v) untimed, then timed:
//	                       counting c.Check(v) over all pairs
//	masterminds_strings    timed: NewConstraint + NewVersion + Check per pair
//
// A pair the library refuses (either constructor returns an error) counts as
// a non-match and is counted in `invalid`. Time is process CPU time (user +
// system, getrusage(RUSAGE_SELF) deltas), like the Python side; the median
// over REPS is printed, with the process's peak RSS (ru_maxrss, KiB).
package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/Masterminds/semver"
)

func cpuSeconds() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		panic(err)
	}
	return float64(ru.Utime.Sec+ru.Stime.Sec) + float64(ru.Utime.Usec+ru.Stime.Usec)/1e6
}

func peakRSSKiB() int64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return int64(ru.Maxrss) // KiB on Linux
}

func median(xs []float64) float64 {
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	m := len(s) / 2
	if len(s)%2 == 1 {
		return s[m]
	}
	return (s[m-1] + s[m]) / 2
}

func main() {
	if len(os.Args) < 4 {
		fmt.Fprintln(os.Stderr, "usage: semver_masterminds TSV IMPL REPS [SIZE]")
		os.Exit(2)
	}
	tsv, impl := os.Args[1], os.Args[2]
	reps, err := strconv.Atoi(os.Args[3])
	if err != nil || reps < 1 {
		reps = 1
	}
	var size interface{}
	if len(os.Args) > 4 {
		size = os.Args[4]
	}

	f, err := os.Open(tsv)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	var cons, vers []string
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if line == "" {
			continue
		}
		c, v, _ := strings.Cut(line, "\t")
		cons = append(cons, c)
		vers = append(vers, v)
	}
	f.Close()
	if err := sc.Err(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	n := len(cons)

	out := map[string]interface{}{}
	invalid := 0
	var run func() int
	switch impl {
	case "masterminds_preparsed":
		t0 := time.Now()
		cs := make([]*semver.Constraints, n)
		vs := make([]*semver.Version, n)
		for i := 0; i < n; i++ {
			c, errC := semver.NewConstraint(cons[i])
			v, errV := semver.NewVersion(vers[i])
			if errC != nil || errV != nil {
				invalid++ // refused: a non-match (cs[i] stays nil)
				continue
			}
			cs[i], vs[i] = c, v
		}
		out["parse_s"] = time.Since(t0).Seconds()
		run = func() int {
			matches := 0
			for i := 0; i < n; i++ {
				if c := cs[i]; c != nil && c.Check(vs[i]) {
					matches++
				}
			}
			return matches
		}
	case "masterminds_strings":
		// `invalid` counted once, untimed, by the same constructors.
		for i := 0; i < n; i++ {
			_, errC := semver.NewConstraint(cons[i])
			_, errV := semver.NewVersion(vers[i])
			if errC != nil || errV != nil {
				invalid++
			}
		}
		run = func() int {
			matches := 0
			for i := 0; i < n; i++ {
				c, err := semver.NewConstraint(cons[i])
				if err != nil {
					continue
				}
				v, err := semver.NewVersion(vers[i])
				if err != nil {
					continue
				}
				if c.Check(v) {
					matches++
				}
			}
			return matches
		}
	default:
		fmt.Fprintf(os.Stderr, "unknown impl %s\n", impl)
		os.Exit(2)
	}

	times := make([]float64, 0, reps)
	matches := 0
	for r := 0; r < reps; r++ {
		t0 := cpuSeconds()
		matches = run()
		times = append(times, cpuSeconds()-t0)
	}
	med := median(times)
	out["suite"] = "semver"
	out["impl"] = impl
	out["size"] = size
	out["seconds"] = med
	out["reps"] = times
	out["check"] = fmt.Sprintf("matches=%d", matches)
	out["peak_rss_kb"] = peakRSSKiB()
	if med > 0 {
		out["per_sec"] = float64(n) / med
	} else {
		out["per_sec"] = nil
	}
	out["invalid"] = invalid
	out["pairs"] = n
	b, err := json.Marshal(out)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	os.Stdout.Write(append(b, '\n'))
}

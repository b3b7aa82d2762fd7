// Command million is the Go twin of bench/million.cpp: N goroutines (default 1,000,000) each
// block on the WaitGroup start; once all are running main releases them and waits for each to
// call done.Done(). Prints the same "key: value" lines (times, peak RSS via getrusage, page
// tables from /proc/self/status).
package main

import (
	"flag"
	"fmt"
	"os"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"time"
)

func peakRSSMB() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		panic(err)
	}
	return float64(ru.Maxrss) / 1024 // KiB on Linux
}

// statusMB returns a "VmXxx:   N kB" line of /proc/self/status in MiB (0 when absent).
func statusMB(key string) float64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, key+":") {
			var kb float64
			fmt.Sscan(strings.TrimSuffix(strings.TrimSpace(line[len(key)+1:]), " kB"), &kb)
			return kb / 1024
		}
	}
	return 0
}

func main() {
	flag.Parse()
	n := 1000000
	if flag.NArg() > 0 {
		if _, err := fmt.Sscan(flag.Arg(0), &n); err != nil || n <= 0 {
			n = 1000000
		}
	}
	base := peakRSSMB()
	t0 := time.Now()
	var running, start, done sync.WaitGroup
	running.Add(n)
	start.Add(1)
	done.Add(n)
	for i := 0; i < n; i++ {
		go func() {
			running.Done() // this goroutine is live and about to block
			start.Wait()
			done.Done()
		}()
	}
	running.Wait() // all n are live at once before any is released
	spawn := time.Since(t0)
	start.Done()
	done.Wait()
	total := time.Since(t0)
	pte := statusMB("VmPTE")
	peak := peakRSSMB()
	fmt.Printf("goroutines: %d\n", n)
	fmt.Printf("procs: %d\n", runtime.GOMAXPROCS(0))
	fmt.Printf("spawn_ms: %.1f\n", float64(spawn.Microseconds())/1000)
	fmt.Printf("total_ms: %.1f\n", float64(total.Microseconds())/1000)
	fmt.Printf("baseline_rss_mb: %.1f\n", base)
	fmt.Printf("peak_rss_mb: %.1f\n", peak)
	fmt.Printf("page_tables_mb: %.1f\n", pte)
	fmt.Printf("bytes_per_goroutine: %.0f\n", peak*1024*1024/float64(n))
	fmt.Printf("bytes_per_goroutine_over_baseline: %.0f\n", (peak-base)*1024*1024/float64(n))
}

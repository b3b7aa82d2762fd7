// Command skynet is the Go twin of bench/skynet.cpp: one skynet (1,000,000 leaves, 10 children
// per node, 1,111,111 goroutines in all) in a fresh process; prints the time and peak RSS as
// "key: value" lines.
package main

import (
	"flag"
	"fmt"
	"os"
	"runtime"
	"syscall"
	"time"
)

func skynet(up chan<- int64, num, size, div int64) {
	if size == 1 {
		up <- num
		return
	}
	rc := make(chan int64, div)
	sub := size / div
	for i := int64(0); i < div; i++ {
		go skynet(rc, num+i*sub, sub, div)
	}
	var sum int64
	for i := int64(0); i < div; i++ {
		sum += <-rc
	}
	up <- sum
}

func main() {
	flag.Parse()
	leaves := int64(1000000)
	if flag.NArg() > 0 {
		if _, err := fmt.Sscan(flag.Arg(0), &leaves); err != nil || leaves <= 0 {
			leaves = 1000000
		}
	}
	t0 := time.Now()
	c := make(chan int64, 1)
	go skynet(c, 0, leaves, 10)
	sum := <-c
	total := time.Since(t0)
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		panic(err)
	}
	peak := float64(ru.Maxrss) / 1024 // KiB on Linux
	var gs int64
	for n := leaves; n >= 1; n /= 10 {
		gs += n
	}
	fmt.Printf("goroutines: %d\n", gs)
	fmt.Printf("procs: %d\n", runtime.GOMAXPROCS(0))
	fmt.Printf("sum: %d\n", sum)
	fmt.Printf("total_ms: %.1f\n", float64(total.Microseconds())/1000)
	fmt.Printf("peak_rss_mb: %.1f\n", peak)
	fmt.Printf("bytes_per_goroutine: %.0f\n", peak*1024*1024/float64(gs))
	if sum != leaves*(leaves-1)/2 {
		fmt.Fprintf(os.Stderr, "skynet: wrong sum %d\n", sum)
		os.Exit(1)
	}
}

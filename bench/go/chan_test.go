package weftbench

import (
	"syscall"
	"testing"
)

// BenchmarkChanSync: per op, one value handed from a sender goroutine to the receiver over an
// unbuffered channel.
func BenchmarkChanSync(b *testing.B) {
	c := make(chan int)
	go func(n int) {
		for i := 0; i < n; i++ {
			c <- i
		}
	}(b.N)
	for i := 0; i < b.N; i++ {
		<-c
	}
}

// BenchmarkChanPingPong: per op, one round trip over two unbuffered channels.
func BenchmarkChanPingPong(b *testing.B) {
	ping, pong := make(chan int), make(chan int)
	go func(n int) {
		for i := 0; i < n; i++ {
			pong <- (<-ping) + 1
		}
	}(b.N)
	for i := 0; i < b.N; i++ {
		ping <- i
		<-pong
	}
}

// BenchmarkChanBuffered: per op, one value through a channel of capacity 128 from a producer
// goroutine to the receiver.
func BenchmarkChanBuffered(b *testing.B) {
	c := make(chan int, 128)
	go func(n int) {
		for i := 0; i < n; i++ {
			c <- i
		}
	}(b.N)
	for i := 0; i < b.N; i++ {
		<-c
	}
}

// BenchmarkSelectUncontended: per op, one two-case select that finds its receive ready plus the
// send that re-arms the other channel (the runtime's BenchmarkSelectUncontended on one
// goroutine instead of RunParallel).
func BenchmarkSelectUncontended(b *testing.B) {
	c1, c2 := make(chan int, 1), make(chan int, 1)
	c1 <- 0
	for i := 0; i < b.N; i++ {
		select {
		case <-c1:
			c2 <- 0
		case <-c2:
			c1 <- 0
		}
	}
}

// skynet: the subtree of size leaves numbered from num sends its sum on up.
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

// skynetIterations: per op, one whole skynet of `leaves` leaves (ten children per node, sums
// sent up over buffered channels).
func skynetIterations(b *testing.B, leaves int64) {
	for i := 0; i < b.N; i++ {
		c := make(chan int64, 1)
		go skynet(c, 0, leaves, 10)
		if got := <-c; got != leaves*(leaves-1)/2 {
			b.Fatalf("skynet: sum %d", got)
		}
	}
}

// BenchmarkSkynet1M: 1,000,000 leaf goroutines (1,111,111 in all). peakRSS_MB is the process's
// peak so far.
func BenchmarkSkynet1M(b *testing.B) {
	skynetIterations(b, 1000000)
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err == nil {
		b.ReportMetric(float64(ru.Maxrss)/1024, "peakRSS_MB")
	}
}

// BenchmarkSkynet100K: the same with 100,000 leaves (111,111 goroutines in all).
func BenchmarkSkynet100K(b *testing.B) {
	skynetIterations(b, 100000)
}

// Package weftbench holds the Go twins of weft's benchmarks (bench/*_bench.cpp): the same
// workload under the same name (BenchmarkX here, BM_X there), so scripts/bench-compare.sh can
// print weft/Go ratios. Run: go test -bench . -count 5 (offline: GOFLAGS=-mod=mod GOPROXY=off).
package weftbench

import (
	"runtime"
	"sync"
	"testing"
)

// BenchmarkSpawnJoin: per op, wg.Add(1) + go a goroutine that calls wg.Done(); one wg.Wait()
// ends the batch.
func BenchmarkSpawnJoin(b *testing.B) {
	var wg sync.WaitGroup
	for i := 0; i < b.N; i++ {
		wg.Add(1)
		go func() { wg.Done() }()
	}
	wg.Wait()
}

// BenchmarkYield: two goroutines (the benchmark's own and one more) call runtime.Gosched in
// turn; per op, one Gosched.
func BenchmarkYield(b *testing.B) {
	var wg sync.WaitGroup
	half := b.N / 2
	wg.Add(1)
	go func(m int) {
		for i := 0; i < m; i++ {
			runtime.Gosched()
		}
		wg.Done()
	}(b.N - half)
	for i := 0; i < half; i++ {
		runtime.Gosched()
	}
	wg.Wait()
}

// BenchmarkMutexUncontended: per op, Lock + Unlock by a single goroutine.
func BenchmarkMutexUncontended(b *testing.B) {
	var mu sync.Mutex
	for i := 0; i < b.N; i++ {
		mu.Lock()
		mu.Unlock()
	}
}

// BenchmarkWaitGroupAddDone: per op, Add(1) + Done() by a single goroutine, no waiter.
func BenchmarkWaitGroupAddDone(b *testing.B) {
	var wg sync.WaitGroup
	for i := 0; i < b.N; i++ {
		wg.Add(1)
		wg.Done()
	}
}

//go:build startupprofile

package main

// Built only by scripts/profile-startup.sh (-tags startupprofile): records
// a CPU profile, an allocation profile and an execution trace of the first
// $QEX_PROFILE_SECONDS of the process (the first frame and a little idle
// after it) into $QEX_PROFILE_DIR, then exits.

import (
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"runtime/trace"
	"strconv"
	"time"
)

func init() {
	dir := os.Getenv("QEX_PROFILE_DIR")
	if dir == "" {
		return
	}
	seconds, err := strconv.ParseFloat(os.Getenv("QEX_PROFILE_SECONDS"), 64)
	if err != nil {
		seconds = 1.5
	}
	runtime.MemProfileRate = 4096
	cpu, _ := os.Create(filepath.Join(dir, "cpu.pprof"))
	tr, _ := os.Create(filepath.Join(dir, "trace.out"))
	pprof.StartCPUProfile(cpu) //nolint:errcheck // a profiling build
	trace.Start(tr)            //nolint:errcheck
	time.AfterFunc(time.Duration(seconds*float64(time.Second)), func() {
		trace.Stop()
		pprof.StopCPUProfile()
		heap, _ := os.Create(filepath.Join(dir, "allocs.pprof"))
		pprof.Lookup("allocs").WriteTo(heap, 0) //nolint:errcheck
		heap.Close()
		cpu.Close()
		tr.Close()
		os.Exit(0)
	})
}

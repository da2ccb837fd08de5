package bootstrap

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// abortChildren interrupts the terraform or tofu processes this process started (a
// second interrupt makes Terraform exit immediately) and kills their process groups
// (terraform-exec starts each in its own group, with its providers and local-exec
// commands) if they are still there after abortGrace.
func abortChildren() {
	pids := childTerraforms()
	for _, pid := range pids {
		_ = syscall.Kill(pid, syscall.SIGINT)
	}
	if len(pids) == 0 {
		return
	}
	go func() {
		time.Sleep(abortGrace)
		for _, pid := range pids {
			_ = syscall.Kill(-pid, syscall.SIGKILL)
		}
	}()
}

// childTerraforms lists this process's children whose executable is terraform or tofu.
func childTerraforms() []int {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return nil
	}
	self := os.Getpid()
	var pids []int
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		stat, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		if err != nil {
			continue
		}
		// pid (comm) state ppid ...; comm may hold spaces and parentheses.
		s := string(stat)
		end := strings.LastIndexByte(s, ')')
		start := strings.IndexByte(s, '(')
		if start < 0 || end < start {
			continue
		}
		fields := strings.Fields(s[end+1:])
		if len(fields) < 2 {
			continue
		}
		ppid, err := strconv.Atoi(fields[1])
		if err != nil || ppid != self {
			continue
		}
		comm := s[start+1 : end]
		if strings.Contains(comm, "terraform") || strings.Contains(comm, "tofu") {
			pids = append(pids, pid)
		}
	}
	return pids
}

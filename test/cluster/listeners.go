package cluster

import (
	"bufio"
	"encoding/hex"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// Listeners returns, by process name, the TCP addresses the cluster's processes listen on:
// its control plane (kwokctl's binaries, found by the cluster's folder in their command
// line) and the processes this package started (Flux, the operator). Tests use it to prove
// that nothing listens beyond loopback.
func (k *Kwok) Listeners() (map[string][]string, error) {
	pids := map[int]string{}
	for _, p := range k.procs {
		pids[p.Pid()] = p.Name
	}
	marker := filepath.Join(k.workDir, "clusters", k.Name) + string(filepath.Separator)
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return nil, err
	}
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		cmdline, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		if err != nil {
			continue
		}
		args := strings.Split(string(cmdline), "\x00")
		if strings.HasPrefix(args[0], marker) {
			pids[pid] = filepath.Base(args[0])
		}
	}
	sockets, err := listeningSockets()
	if err != nil {
		return nil, err
	}
	out := map[string][]string{}
	for pid, name := range pids {
		fds, err := os.ReadDir(fmt.Sprintf("/proc/%d/fd", pid))
		if err != nil {
			continue
		}
		for _, fd := range fds {
			link, err := os.Readlink(fmt.Sprintf("/proc/%d/fd/%s", pid, fd.Name()))
			if err != nil || !strings.HasPrefix(link, "socket:[") {
				continue
			}
			if addr, ok := sockets[strings.TrimSuffix(strings.TrimPrefix(link, "socket:["), "]")]; ok {
				out[name] = append(out[name], addr)
			}
		}
	}
	return out, nil
}

// listeningSockets maps socket inodes to the address they listen on, from /proc/net/tcp{,6}.
func listeningSockets() (map[string]string, error) {
	out := map[string]string{}
	for _, file := range []string{"/proc/net/tcp", "/proc/net/tcp6"} {
		f, err := os.Open(file)
		if err != nil {
			return nil, err
		}
		sc := bufio.NewScanner(f)
		sc.Scan() // header
		for sc.Scan() {
			fields := strings.Fields(sc.Text())
			if len(fields) < 10 || fields[3] != "0A" { // 0A: LISTEN
				continue
			}
			addr, err := decodeAddr(fields[1])
			if err != nil {
				_ = f.Close()
				return nil, err
			}
			out[fields[9]] = addr
		}
		_ = f.Close()
	}
	return out, nil
}

// decodeAddr turns /proc/net/tcp's "0100007F:1F90" into "127.0.0.1:8080".
func decodeAddr(s string) (string, error) {
	hexIP, hexPort, ok := strings.Cut(s, ":")
	if !ok {
		return "", fmt.Errorf("bad address %q", s)
	}
	raw, err := hex.DecodeString(hexIP)
	if err != nil {
		return "", err
	}
	// The kernel prints the address as 32-bit words in host (little-endian) order.
	for i := 0; i+4 <= len(raw); i += 4 {
		raw[i], raw[i+1], raw[i+2], raw[i+3] = raw[i+3], raw[i+2], raw[i+1], raw[i]
	}
	port, err := strconv.ParseUint(hexPort, 16, 16)
	if err != nil {
		return "", err
	}
	return net.JoinHostPort(net.IP(raw).String(), strconv.Itoa(int(port))), nil
}

// IsLoopback reports whether a host:port listens on a loopback address only.
func IsLoopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

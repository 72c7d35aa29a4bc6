// Package listenaddr checks the addresses the app's servers listen on, so a
// command line can check one without pulling in the servers.
package listenaddr

import (
	"fmt"
	"net"
)

// CheckLoopback refuses listen addresses that would expose a server beyond
// this machine.
func CheckLoopback(addr string) error {
	host, port, err := net.SplitHostPort(addr)
	if err != nil || port == "" {
		return fmt.Errorf("sandbox address %q is not host:port, e.g. 127.0.0.1:8080", addr)
	}
	if host == "localhost" {
		return nil
	}
	if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
		return fmt.Errorf("sandbox address %q is not a loopback address; use 127.0.0.1:PORT so the sandbox is not reachable from other machines", addr)
	}
	return nil
}

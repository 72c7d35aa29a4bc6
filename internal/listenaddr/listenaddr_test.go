package listenaddr_test

import (
	"testing"

	"github.com/qexcompanion/qex-companion/internal/listenaddr"
)

func TestCheckLoopback(t *testing.T) {
	for _, ok := range []string{"127.0.0.1:8080", "127.0.0.1:0", "[::1]:8080", "localhost:8080", "127.9.9.9:1"} {
		if err := listenaddr.CheckLoopback(ok); err != nil {
			t.Errorf("%s: %v", ok, err)
		}
	}
	for _, bad := range []string{":8080", "0.0.0.0:8080", "192.168.1.2:80", "example.com:80", "127.0.0.1", ""} {
		if err := listenaddr.CheckLoopback(bad); err == nil {
			t.Errorf("%s accepted", bad)
		}
	}
}

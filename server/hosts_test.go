package server

import (
	"io"
	"net"
	"net/http"
	"strings"
	"testing"

	"github.com/gorilla/websocket"
)

// A request for a name the server is not meant to be reached by gets 421,
// the bridge's upgrade too (DNS rebinding: a page at evil.example that
// resolves to the server is same-origin with it); IP addresses, localhost
// and the names in AllowHosts are served. The metrics have a listener of
// their own.
func TestHostsAndMetricsAddr(t *testing.T) {
	free, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	metricsAddr := free.Addr().String()
	free.Close()
	ls := serve(t, Config{AllowHosts: []string{"Lab.Example.org"}, MetricsAddr: metricsAddr})
	_, port, _ := net.SplitHostPort(ls.addr)
	get := func(host, path string) int {
		t.Helper()
		req, _ := http.NewRequest("GET", "http://"+ls.addr+path, nil)
		req.Host = host
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp.StatusCode
	}
	for host, want := range map[string]int{
		ls.addr: 200, "localhost:" + port: 200, "[::1]:" + port: 200, "lab.example.org:" + port: 200, "lab.example.org": 200,
		"evil.example:" + port: http.StatusMisdirectedRequest, "example.org": http.StatusMisdirectedRequest,
	} {
		if got := get(host, "/healthz"); got != want {
			t.Errorf("Host %s: %d, want %d", host, got, want)
		}
	}
	h := http.Header{"Origin": {"http://evil.example:" + port}, "Host": {"evil.example:" + port}}
	d := websocket.Dialer{NetDial: func(network, _ string) (net.Conn, error) { return net.Dial(network, ls.addr) }}
	_, resp, err := d.Dial("ws://evil.example:"+port+"/bridge", h)
	if err == nil || resp == nil || resp.StatusCode != http.StatusMisdirectedRequest {
		t.Errorf("a rebound page's upgrade: %v %v, want 421", resp, err)
	}

	resp, err = http.Get("http://" + metricsAddr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(b), MetricSessionsOpen) {
		t.Errorf("GET /metrics at --metrics-addr: %d %.200s", resp.StatusCode, b)
	}
}

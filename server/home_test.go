package server

import (
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/socketlab/socketlab/lab/services"
)

// The home page lists every service the lab server runs, from the
// services themselves, by port.
func TestHomeListsServices(t *testing.T) {
	rec := httptest.NewRecorder()
	New(Config{Log: slog.New(slog.DiscardHandler)}).Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "http://localhost/", nil))
	if rec.Code != http.StatusOK {
		t.Fatalf("GET /: %d", rec.Code)
	}
	body := rec.Body.String()
	last := -1
	for _, sp := range services.Standard {
		row := fmt.Sprintf(`data-service="%s" data-proto="%s" data-port="%d"`, sp.Name, sp.Proto, sp.Port)
		if !strings.Contains(body, row) {
			t.Errorf("the home page does not list %v on port %d", sp, sp.Port)
		}
	}
	for _, row := range strings.Split(body, `data-testid="service"`)[1:] {
		var name, proto string
		var port int
		if _, err := fmt.Sscanf(strings.NewReplacer(`"`, " ", "=", " ").Replace(row), " data-service %s data-proto %s data-port %d", &name, &proto, &port); err != nil {
			t.Fatalf("a service row: %v: %.80s", err, row)
		}
		if port < last {
			t.Errorf("%s/%s on port %d is listed after port %d: want the list by port", name, proto, port, last)
		}
		last = port
	}
	if n := strings.Count(body, `data-testid="service"`); n != len(services.Standard) {
		t.Errorf("the home page lists %d services, want %d", n, len(services.Standard))
	}
}

package sock_test

import (
	"context"
	"net/netip"
	"testing"
	"time"

	"github.com/socketlab/socketlab/lab"
	"github.com/socketlab/socketlab/lab/sock"
)

// Every row of the socket table names the open socket that owns it, also
// a socket whose connect failed (its peer is gone, its endpoint is not),
// and no row names a closed socket.
func TestTableNamesOwners(t *testing.T) {
	l := newLab(t)
	st := l.Host.Sockets()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	silent, err := st.Socket(sock.Stream)
	if err != nil {
		t.Fatal(err)
	}
	defer silent.Close()
	short, stop := context.WithTimeout(ctx, 300*time.Millisecond)
	err = silent.Connect(short, netip.MustParseAddrPort("10.0.0.99:7"))
	stop()
	if err == nil {
		t.Fatal("connect to a silent address returned no error")
	}
	echo, err := st.Socket(sock.Stream)
	if err != nil {
		t.Fatal(err)
	}
	if err := echo.Connect(ctx, netip.MustParseAddrPort("10.0.0.1:7")); err != nil {
		t.Fatal(err)
	}
	rows := st.Table()
	owners := map[int]lab.SocketInfo{}
	for _, r := range rows {
		if r.Socket != 0 {
			owners[r.Socket] = r
		}
	}
	for _, s := range []*sock.Socket{silent, echo} {
		if _, ok := owners[s.FD()]; !ok {
			t.Errorf("no row of the table names socket %d: %+v", s.FD(), rows)
		}
	}
	echo.Close()
	for _, r := range st.Table() {
		if r.Socket == echo.FD() {
			t.Errorf("the closed socket %d still owns %+v", echo.FD(), r)
		}
	}
}

package bridge

import (
	"net/http"

	"github.com/coder/websocket"
)

// dialOptions is none in a browser: it sends the page's cookies itself,
// and a page's WebSocket can carry no other header.
func dialOptions(http.Header) *websocket.DialOptions { return nil }

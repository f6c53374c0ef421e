package bridge

import "github.com/coder/websocket"

// dialOptions is none in a browser: it sends the page's cookies itself,
// a page's WebSocket can carry no other header, and it dials itself.
func dialOptions(*Options) *websocket.DialOptions { return nil }

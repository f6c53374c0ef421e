//go:build !js

package bridge

import (
	"net/http"

	"github.com/coder/websocket"
)

// dialOptions sends header with the upgrade request.
func dialOptions(header http.Header) *websocket.DialOptions {
	return &websocket.DialOptions{HTTPHeader: header}
}

//go:build !js

package bridge

import "github.com/coder/websocket"

// dialOptions sends opts.Header with the upgrade request, through
// opts.HTTPClient.
func dialOptions(opts *Options) *websocket.DialOptions {
	return &websocket.DialOptions{HTTPHeader: opts.Header, HTTPClient: opts.HTTPClient}
}

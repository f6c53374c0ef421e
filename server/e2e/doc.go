// Package e2e holds socketlab's end-to-end tests and benchmarks, all
// black-box: the bridge client through the real server over a real
// WebSocket, Chromium running lab.wasm against it (the lab page, the
// worksheet, how soon the page is ready), websockify and the bare paths
// that the lab's round trip is measured against. It has no code of its
// own: what its browser tests share with server/e2e/slowstudent (Chromium,
// a lab server with lab.wasm built once) is internal/browsertest.
//
// The browser tests need Debian's chromium (and some tshark): without
// them they are skipped with a loud message, except under CI=true, where
// they fail.
package e2e

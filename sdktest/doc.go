// Package sdktest is openvod's SDK conformance suite: it runs real openvod
// servers (package openvodtest) and talks to them through the official
// Tencent Cloud SDKs: the Go SDK's CommonClient from its tests here, the Go
// SDK's typed client through the tests of the module in sdktest/gosdk, and
// the Node.js SDK through the node:test suite in sdktest/node, plus raw HTTP
// requests that no SDK sends. It has no non-test code; run it with
//
//	go test ./sdktest/ -count=1
//
// The Node.js part needs Node.js 20 and npm (apt-get install -y nodejs npm);
// it runs `npm ci` in sdktest/node when node_modules is missing.
package sdktest

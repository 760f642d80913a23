//go:build !linux

package ffmpeg

import (
	"os"
	"syscall"
)

// childAttr is nil outside Linux: there is no parent-death signal, so an
// ffmpeg child can outlive a server killed by SIGKILL (until it finishes);
// the server empties scratch at start either way.
func childAttr() *syscall.SysProcAttr { return nil }

// killGroup kills p.
func killGroup(p *os.Process) error { return p.Kill() }

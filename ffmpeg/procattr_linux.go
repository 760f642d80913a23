package ffmpeg

import (
	"os"
	"syscall"
)

// childAttr puts an ffmpeg child in a process group of its own and has the
// kernel SIGKILL it when the thread that started it ends (see start),
// which is at the latest when the server dies, even by SIGKILL.
func childAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}

// killGroup SIGKILLs the process group that p leads.
func killGroup(p *os.Process) error { return syscall.Kill(-p.Pid, syscall.SIGKILL) }

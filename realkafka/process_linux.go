package realkafka

import (
	"os/exec"
	"syscall"
)

// setProcAttrs puts a JVM in a process group of its own, so that signals
// meant for the test's (a Ctrl-C) reach it only through the cluster, and has
// the kernel SIGKILL it when the thread that started it (the spawner's)
// exits, so that no JVM outlives the process that started it.
func setProcAttrs(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}

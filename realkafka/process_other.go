//go:build !linux

package realkafka

import (
	"os/exec"
	"syscall"
)

// setProcAttrs puts a JVM in a process group of its own. Without a
// parent-death signal, the janitor kills JVMs left behind by a process that
// died.
func setProcAttrs(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
}

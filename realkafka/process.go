package realkafka

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"time"
)

// spawner starts child processes from one OS thread that lives as long as
// the cluster. On Linux children get SIGKILL when the thread that started
// them exits (the parent-death signal), which includes the whole process
// dying for any reason, SIGKILL included; starting them from a dedicated,
// locked thread keeps Go's scheduler from retiring that thread under them.
type spawner struct {
	reqs chan spawnReq
	done chan struct{}
}

type spawnReq struct {
	cmd *exec.Cmd
	err chan error
}

func newSpawner() *spawner {
	s := &spawner{reqs: make(chan spawnReq), done: make(chan struct{})}
	go func() {
		// Never unlocked: when this goroutine returns, its thread ends
		// with it, and so does any child still alive.
		runtime.LockOSThread()
		defer close(s.done)
		for req := range s.reqs {
			req.err <- req.cmd.Start()
		}
	}()
	return s
}

// start starts cmd on the spawner's thread.
func (s *spawner) start(cmd *exec.Cmd) error {
	setProcAttrs(cmd)
	req := spawnReq{cmd: cmd, err: make(chan error, 1)}
	s.reqs <- req
	return <-req.err
}

// close ends the spawner's thread; call it once every child is gone.
func (s *spawner) close() {
	close(s.reqs)
	<-s.done
}

// process is one running JVM.
type process struct {
	cmd  *exec.Cmd
	log  *os.File
	done chan struct{} // closed once the process has exited and been reaped
	err  error         // its exit status, set before done is closed
	// followed is closed once the cluster has taken the node's proxies
	// down after the process exited.
	followed chan struct{}

	mu     sync.Mutex
	paused bool
}

// startProcess starts a JVM with its output appended to logPath.
func startProcess(sp *spawner, java string, args []string, logPath string) (*process, error) {
	log, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, fmt.Errorf("realkafka: opening the log %s: %w", logPath, err)
	}
	fmt.Fprintf(log, "==== realkafka: starting at %s: %s %s\n", time.Now().Format(time.RFC3339Nano), java, strings.Join(args, " "))
	cmd := exec.Command(java, args...)
	cmd.Stdout, cmd.Stderr = log, log
	cmd.Stdin = nil
	if err := sp.start(cmd); err != nil {
		log.Close()
		return nil, fmt.Errorf("realkafka: starting %s: %w", java, err)
	}
	p := &process{cmd: cmd, log: log, done: make(chan struct{}), followed: make(chan struct{})}
	go func() {
		p.err = cmd.Wait()
		fmt.Fprintf(log, "==== realkafka: exited at %s: %v\n", time.Now().Format(time.RFC3339Nano), exitStatus(p.err))
		log.Close()
		close(p.done)
	}()
	return p, nil
}

func exitStatus(err error) string {
	if err == nil {
		return "exit status 0"
	}
	return err.Error()
}

// pid returns the process id.
func (p *process) pid() int { return p.cmd.Process.Pid }

// exited reports whether the process has exited.
func (p *process) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// signal sends sig; a process that has exited is not an error.
func (p *process) signal(sig syscall.Signal) error {
	if p.exited() {
		return nil
	}
	err := p.cmd.Process.Signal(sig)
	if errors.Is(err, os.ErrProcessDone) {
		return nil
	}
	return err
}

// kill sends SIGKILL and waits for the process to be reaped.
func (p *process) kill() {
	_ = p.signal(syscall.SIGKILL)
	<-p.done
}

// stop sends SIGTERM and waits up to grace for the process to exit, then
// kills it. It reports whether the process had to be killed.
func (p *process) stop(grace time.Duration) (killed bool) {
	p.setPaused(false)
	_ = p.signal(syscall.SIGCONT) // a paused JVM cannot shut down
	_ = p.signal(syscall.SIGTERM)
	timer := time.NewTimer(grace)
	defer timer.Stop()
	select {
	case <-p.done:
		return false
	case <-timer.C:
		p.kill()
		return true
	}
}

func (p *process) setPaused(paused bool) {
	p.mu.Lock()
	p.paused = paused
	p.mu.Unlock()
}

func (p *process) isPaused() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.paused
}

// janitor is a shell that removes the cluster's directory once the pipe
// from this process closes: at Close, or when this process dies, even by
// SIGKILL. It also kills any JVM whose pid file is still there, for systems
// without a parent-death signal.
type janitor struct {
	cmd   *exec.Cmd
	stdin io.WriteCloser
	done  chan struct{}
}

const janitorScript = `read -r _ || true
for f in "$1"/*/jvm.pid; do [ -f "$f" ] && kill -9 "$(cat "$f")" 2>/dev/null; done
rm -rf "$1"`

func startJanitor(dir string) (*janitor, error) {
	cmd := exec.Command("/bin/sh", "-c", janitorScript, "realkafka-janitor", dir)
	// Its own process group: a Ctrl-C meant for the test must not end it
	// before the JVMs are gone.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, fmt.Errorf("realkafka: %w", err)
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("realkafka: starting the clean-up shell: %w", err)
	}
	j := &janitor{cmd: cmd, stdin: stdin, done: make(chan struct{})}
	go func() {
		_ = cmd.Wait()
		close(j.done)
	}()
	return j, nil
}

// finish lets the janitor remove the directory and waits for it.
func (j *janitor) finish() {
	j.stdin.Close()
	<-j.done
}

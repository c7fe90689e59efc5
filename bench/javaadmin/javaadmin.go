// Package javaadmin runs Apache Kafka's Java AdminClient as a client of the
// real-Kafka failover table: the reference for correct failover.
//
// The Java program beside this file (pom.xml and
// src/main/java/kafadmin/bench/JavaAdmin.java) is embedded in the Go
// program, built with Maven into the user's cache directory
// (kafadmin/javaadmin/<hash of the pom and the source>), never into the
// repository, and started with java -cp, one process per connected client.
// It speaks package remote's JSON-lines protocol.
package javaadmin

import (
	"context"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/kafadmin/kafadmin/bench/internal/harness"
	"github.com/kafadmin/kafadmin/bench/internal/remote"
)

//go:embed pom.xml src/main/java/kafadmin/bench/JavaAdmin.java
var project embed.FS

// MainClass is the program's main class.
const MainClass = "kafadmin.bench.JavaAdmin"

// EnvCache overrides where the program is built (by default
// kafadmin/javaadmin under the user's cache directory).
const EnvCache = "KAFADMIN_JAVAADMIN_CACHE"

// Program is the built Java program.
type Program struct {
	java      string
	classpath string
	// Dir is where it was built.
	Dir string
}

// javaBinary returns the java command, as realkafka finds it:
// $KAFADMIN_JAVA_HOME, else $JAVA_HOME, else java on the PATH.
func javaBinary() (string, error) {
	for _, env := range []string{"KAFADMIN_JAVA_HOME", "JAVA_HOME"} {
		if home := os.Getenv(env); home != "" {
			bin := filepath.Join(home, "bin", "java")
			if _, err := os.Stat(bin); err != nil {
				return "", fmt.Errorf("javaadmin: $%s is %s, which has no bin/java: %w", env, home, err)
			}
			return bin, nil
		}
	}
	bin, err := exec.LookPath("java")
	if err != nil {
		return "", errors.New("javaadmin: java is not on the PATH; install a JDK 17 or newer (Debian: apt install openjdk-17-jdk-headless) or set JAVA_HOME")
	}
	return bin, nil
}

// Available reports whether the program can be built and run here: a JDK
// (java and javac) and Maven must be found. Its error names what to
// install.
func Available() error {
	var errs []error
	java, err := javaBinary()
	if err != nil {
		errs = append(errs, err)
	} else if _, err := exec.LookPath("javac"); err != nil {
		javac := filepath.Join(filepath.Dir(java), "javac")
		if resolved, rerr := filepath.EvalSymlinks(java); rerr == nil {
			javac = filepath.Join(filepath.Dir(resolved), "javac")
		}
		if _, serr := os.Stat(javac); serr != nil {
			errs = append(errs, fmt.Errorf("javaadmin: javac is missing (java is %s): the Java AdminClient program is compiled here; install a JDK 17 or newer, not only a JRE (Debian: apt install openjdk-17-jdk-headless)", java))
		}
	}
	if _, err := exec.LookPath("mvn"); err != nil {
		errs = append(errs, errors.New("javaadmin: mvn is not on the PATH; install Maven 3 (Debian: apt install maven), which fetches kafka-clients from Maven Central and builds the Java AdminClient program"))
	}
	return errors.Join(errs...)
}

// hash identifies the embedded project.
func hash() (string, error) {
	h := sha256.New()
	err := fs.WalkDir(project, ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := project.ReadFile(path)
		if err != nil {
			return err
		}
		fmt.Fprintf(h, "%s %d\n", path, len(b))
		h.Write(b)
		return nil
	})
	if err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil))[:16], nil
}

// cacheDir is where a project of the given hash is built.
func cacheDir(sum string) (string, error) {
	if dir := os.Getenv(EnvCache); dir != "" {
		abs, err := filepath.Abs(dir)
		return filepath.Join(abs, sum), err
	}
	base, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("javaadmin: no cache directory (%w); set %s to a directory to build the Java program in", err, EnvCache)
	}
	return filepath.Join(base, "kafadmin", "javaadmin", sum), nil
}

// Build builds the program, or finds it built, and returns it. Maven's
// first run downloads kafka-clients and the plugins from Maven Central.
// Concurrent builds, in this process or others, share one through a lock
// file.
func Build(ctx context.Context) (*Program, error) {
	if err := Available(); err != nil {
		return nil, err
	}
	java, _ := javaBinary()
	sum, err := hash()
	if err != nil {
		return nil, fmt.Errorf("javaadmin: reading the embedded project: %w", err)
	}
	dir, err := cacheDir(sum)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("javaadmin: %w; set %s to a writable directory", err, EnvCache)
	}
	unlock, err := lockFile(ctx, filepath.Join(dir, "build.lock"))
	if err != nil {
		return nil, err
	}
	defer unlock()

	p := &Program{java: java, Dir: dir}
	classes := filepath.Join(dir, "target", "classes")
	cpFile := filepath.Join(dir, "classpath.txt")
	if cp, err := readClasspath(cpFile); err == nil {
		if _, err := os.Stat(filepath.Join(classes, "kafadmin", "bench", "JavaAdmin.class")); err == nil {
			p.classpath = classes + string(os.PathListSeparator) + cp
			return p, nil
		}
	}
	err = fs.WalkDir(project, ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		dst := filepath.Join(dir, filepath.FromSlash(path))
		if d.IsDir() {
			return os.MkdirAll(dst, 0o755)
		}
		b, err := project.ReadFile(path)
		if err != nil {
			return err
		}
		return os.WriteFile(dst, b, 0o644)
	})
	if err != nil {
		return nil, fmt.Errorf("javaadmin: writing the project to %s: %w", dir, err)
	}
	tmp := cpFile + ".tmp"
	cmd := exec.CommandContext(ctx, "mvn", "-q", "-B", "-Dstyle.color=never", "-f", filepath.Join(dir, "pom.xml"),
		"compile", "dependency:build-classpath", "-DincludeScope=runtime", "-Dmdep.outputFile="+tmp)
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("javaadmin: building the Java AdminClient program in %s with Maven failed: %w. "+
			"Check that Maven Central (or the mirror in ~/.m2/settings.xml) is reachable. Maven's output ends with:\n%s", dir, err, tail(string(out), 25))
	}
	cp, err := readClasspath(tmp)
	if err != nil {
		return nil, fmt.Errorf("javaadmin: Maven built the program but its classpath is unusable: %w", err)
	}
	if err := os.Rename(tmp, cpFile); err != nil {
		return nil, fmt.Errorf("javaadmin: %w", err)
	}
	p.classpath = classes + string(os.PathListSeparator) + cp
	return p, nil
}

// readClasspath reads a classpath file, checking that every jar it names
// is still there (a cleaned Maven repository invalidates it).
func readClasspath(path string) (string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return "", err
	}
	cp := strings.TrimSpace(string(b))
	if cp == "" {
		return "", fmt.Errorf("%s is empty", path)
	}
	for _, jar := range strings.Split(cp, string(os.PathListSeparator)) {
		if _, err := os.Stat(jar); err != nil {
			return "", fmt.Errorf("%s names %s: %w", path, jar, err)
		}
	}
	return cp, nil
}

// jvmFlags start the JVM quickly and keep it small: the client makes small
// calls, the machine has few cores.
var jvmFlags = []string{"-Xms32m", "-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-XX:-UsePerfData", "-Djava.awt.headless=true"}

// Command returns the command that runs the program against the brokers at
// addrs with extra client properties (key=value).
func (p *Program) Command(addrs []string, props ...string) *exec.Cmd {
	args := append(append([]string(nil), jvmFlags...), "-cp", p.classpath, MainClass, strings.Join(addrs, ","))
	return exec.Command(p.java, append(args, props...)...)
}

// Start starts the program against the brokers at addrs, with extra client
// properties (key=value), and returns it once its AdminClient exists.
func (p *Program) Start(ctx context.Context, addrs []string, props ...string) (*remote.Admin, error) {
	return remote.Start(ctx, "java AdminClient", p.Command(addrs, props...))
}

// FailoverProps are the client properties of the failover tables: the 1 s
// request timeout and dial (connection setup) timeout every client gets;
// everything else is the AdminClient's default (retries unlimited within a
// call's timeout, retry.backoff.ms 100 growing to retry.backoff.max.ms
// 1000, reconnect.backoff.ms 50 to reconnect.backoff.max.ms 1000,
// metadata.max.age.ms 5 min).
var FailoverProps = []string{
	"request.timeout.ms=1000",
	"socket.connection.setup.timeout.ms=1000",
	"socket.connection.setup.timeout.max.ms=1000",
}

// Factory returns a harness factory that starts one program per client,
// with props.
func (p *Program) Factory(props ...string) harness.Factory {
	return func(ctx context.Context, addrs []string) (harness.Admin, error) {
		return p.Start(ctx, addrs, props...)
	}
}

// tail returns the last n lines of s.
func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// lockFile takes an exclusive lock on path, waiting for ctx, and returns how
// to release it. The lock is the kernel's (flock), released when the
// process dies.
func lockFile(ctx context.Context, path string) (func(), error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, fmt.Errorf("javaadmin: opening the lock file: %w", err)
	}
	for {
		err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if err == nil {
			return func() {
				_ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
				f.Close()
			}, nil
		}
		if !errors.Is(err, syscall.EWOULDBLOCK) {
			f.Close()
			return nil, fmt.Errorf("javaadmin: locking %s: %w", path, err)
		}
		select {
		case <-ctx.Done():
			f.Close()
			return nil, fmt.Errorf("javaadmin: waiting for another build in %s: %w", filepath.Dir(path), ctx.Err())
		case <-time.After(100 * time.Millisecond):
		}
	}
}

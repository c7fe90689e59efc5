package realkafka

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
)

// DefaultVersion is the Kafka version a cluster runs unless Version or
// $KAFADMIN_KAFKA_VERSION says otherwise: the newest release that runs on
// Java 17.
const DefaultVersion = "4.4.0"

// Environment variables the package reads.
const (
	// EnvVersion overrides DefaultVersion.
	EnvVersion = "KAFADMIN_KAFKA_VERSION"
	// EnvCache overrides where resolved classpaths are kept (by default
	// kafadmin/kafka under the user's cache directory).
	EnvCache = "KAFADMIN_KAFKA_CACHE"
	// EnvJavaHome names the JDK to run brokers with; else $JAVA_HOME, else
	// java on the PATH.
	EnvJavaHome = "KAFADMIN_JAVA_HOME"
)

// mavenDependencyPlugin is pinned so that Maven does not resolve "latest"
// from repository metadata on every run.
const mavenDependencyPlugin = "org.apache.maven.plugins:maven-dependency-plugin:3.8.1"

// log4jVersion returns the Log4j 2 release Kafka version v builds with. The
// broker's POM leaves the logging back end out (Kafka's tarball adds it), so
// the runtime adds log4j-core and the SLF4J 1.x binding itself; without
// them the broker logs nothing.
func log4jVersion(v string) string {
	switch {
	case strings.HasPrefix(v, "4.2."):
		return "2.25.3"
	case strings.HasPrefix(v, "4.3."):
		return "2.25.4"
	case strings.HasPrefix(v, "4.4."), strings.HasPrefix(v, "4.5."):
		return "2.25.5"
	default:
		return "2.24.3"
	}
}

var versionPattern = regexp.MustCompile(`^[0-9]+\.[0-9]+\.[0-9]+([.-][A-Za-z0-9.-]+)?$`)

// runtimePOM is the Maven project whose runtime classpath runs a broker (or,
// with tools, Kafka's command-line tools).
func runtimePOM(version string, tools bool) string {
	artifact := "kafka_2.13"
	if tools {
		artifact = "kafka-tools"
	}
	l4j := log4jVersion(version)
	return fmt.Sprintf(`<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>io.github.kafadmin.realkafka</groupId>
  <artifactId>runtime</artifactId>
  <version>1</version>
  <packaging>pom</packaging>
  <dependencies>
    <dependency><groupId>org.apache.kafka</groupId><artifactId>%s</artifactId><version>%s</version></dependency>
    <!-- In Kafka's tarball, not in its POM: without them the JVM logs nothing. -->
    <dependency><groupId>org.apache.logging.log4j</groupId><artifactId>log4j-core</artifactId><version>%s</version></dependency>
    <dependency><groupId>org.apache.logging.log4j</groupId><artifactId>log4j-slf4j-impl</artifactId><version>%s</version></dependency>
    <dependency><groupId>org.apache.logging.log4j</groupId><artifactId>log4j-1.2-api</artifactId><version>%s</version></dependency>
  </dependencies>
</project>
`, artifact, version, l4j, l4j, l4j)
}

// cacheRoot returns the directory under which each Kafka version's classpath
// is kept.
func cacheRoot() (string, error) {
	if dir := os.Getenv(EnvCache); dir != "" {
		return filepath.Abs(dir)
	}
	base, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("realkafka: no cache directory (%w); set %s to a directory for Kafka's jars", err, EnvCache)
	}
	return filepath.Join(base, "kafadmin", "kafka"), nil
}

// javaBinary returns the java command to run.
func javaBinary() (string, error) {
	for _, env := range []string{EnvJavaHome, "JAVA_HOME"} {
		if home := os.Getenv(env); home != "" {
			bin := filepath.Join(home, "bin", "java")
			if _, err := os.Stat(bin); err != nil {
				return "", fmt.Errorf("realkafka: $%s is %s, which has no bin/java: %w", env, home, err)
			}
			return bin, nil
		}
	}
	bin, err := exec.LookPath("java")
	if err != nil {
		return "", errors.New("realkafka: java is not on the PATH; install a JDK 17 or newer (Debian: apt install openjdk-17-jre-headless) or set JAVA_HOME")
	}
	return bin, nil
}

// Available reports whether this machine can run a real Kafka cluster: java
// and mvn must be found. Its error says what is missing and how to get it.
func Available() error {
	var errs []error
	if _, err := javaBinary(); err != nil {
		errs = append(errs, err)
	}
	if _, err := exec.LookPath("mvn"); err != nil {
		errs = append(errs, errors.New("realkafka: mvn is not on the PATH; install Maven 3 (Debian: apt install maven), which fetches Kafka's jars from Maven Central"))
	}
	return errors.Join(errs...)
}

// classpath returns the runtime classpath of Kafka version (its broker, or
// with tools its command-line tools), resolving it with Maven into the
// cache on first use. Concurrent callers, in this process or others, share
// one resolution through a lock file.
func classpath(ctx context.Context, version string, tools bool) ([]string, error) {
	if !versionPattern.MatchString(version) {
		return nil, fmt.Errorf("realkafka: Kafka version %q is not a release number such as %s", version, DefaultVersion)
	}
	root, err := cacheRoot()
	if err != nil {
		return nil, err
	}
	name := "broker"
	if tools {
		name = "tools"
	}
	dir := filepath.Join(root, version, name)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("realkafka: creating the cache directory: %w; set %s to a writable directory", err, EnvCache)
	}
	unlock, err := lockFile(ctx, filepath.Join(dir, "resolve.lock"))
	if err != nil {
		return nil, err
	}
	defer unlock()

	cpFile := filepath.Join(dir, "classpath.txt")
	if jars, err := readClasspath(cpFile); err == nil {
		return jars, nil
	}
	pom := filepath.Join(dir, "pom.xml")
	if err := os.WriteFile(pom, []byte(runtimePOM(version, tools)), 0o644); err != nil {
		return nil, fmt.Errorf("realkafka: writing %s: %w", pom, err)
	}
	tmp := cpFile + ".tmp"
	cmd := exec.CommandContext(ctx, "mvn", "-B", "-q", "-f", pom, mavenDependencyPlugin+":build-classpath",
		"-DincludeScope=runtime", "-Dmdep.outputFile="+tmp)
	out, err := cmd.CombinedOutput()
	if err != nil {
		return nil, mavenError(version, tools, out, err)
	}
	if _, err := readClasspath(tmp); err != nil {
		return nil, fmt.Errorf("realkafka: Maven resolved Kafka %s but its classpath is unusable: %w", version, err)
	}
	if err := os.Rename(tmp, cpFile); err != nil {
		return nil, fmt.Errorf("realkafka: %w", err)
	}
	return readClasspath(cpFile)
}

// readClasspath reads a classpath file, checking that every jar it names
// is still there (a cleaned Maven repository invalidates it).
func readClasspath(path string) ([]string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	jars := strings.Split(strings.TrimSpace(string(b)), string(os.PathListSeparator))
	if len(jars) == 0 || jars[0] == "" {
		return nil, fmt.Errorf("%s is empty", path)
	}
	for _, jar := range jars {
		if _, err := os.Stat(jar); err != nil {
			return nil, fmt.Errorf("%s names %s: %w", path, jar, err)
		}
	}
	return jars, nil
}

var unresolved = regexp.MustCompile(`(?m)(Could not (?:resolve|find|transfer) artifact [^ ]+|The following artifacts could not be resolved: [^\n]+|Could not resolve dependencies for project [^:]+:[^:]+:[^:]+:[^:]+: [^\n]+)`)

// mavenError turns a failed Maven run into an error that names what could
// not be resolved and what to do.
func mavenError(version string, tools bool, out []byte, err error) error {
	what := "org.apache.kafka:kafka_2.13:" + version
	if tools {
		what = "org.apache.kafka:kafka-tools:" + version
	}
	detail := ""
	if m := unresolved.FindSubmatch(out); m != nil {
		detail = string(bytes.TrimSpace(m[1])) + "; "
	}
	return fmt.Errorf("realkafka: Maven could not resolve %s and its dependencies: %s%w.\n"+
		"Check that Maven Central (or the mirror in ~/.m2/settings.xml) is reachable and serves Kafka %s; pick another release with %s. "+
		"After a failed download Maven caches the failure: run once with network back and delete the *.lastUpdated files under ~/.m2/repository.\n"+
		"Maven's output ends with:\n%s", what, detail, err, version, EnvVersion, tail(out, 15))
}

// tail returns the last n lines of b.
func tail(b []byte, n int) string {
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// lockFile takes an exclusive lock on path, waiting for ctx, and returns
// how to release it. The lock is the kernel's (flock), so it is released
// when the process dies.
func lockFile(ctx context.Context, path string) (func(), error) {
	for {
		release, err := tryLockFile(path)
		if err != nil || release != nil {
			return release, err
		}
		if err := sleepCtx(ctx, lockPoll); err != nil {
			return nil, fmt.Errorf("realkafka: waiting for %s: %w", path, err)
		}
	}
}

// tryLockFile takes an exclusive lock on path if it is free, returning nil
// (and no error) if another holds it.
func tryLockFile(path string) (func(), error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, fmt.Errorf("realkafka: opening lock file: %w", err)
	}
	err = syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
	switch {
	case err == nil:
		return func() {
			_ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
			f.Close()
		}, nil
	case errors.Is(err, syscall.EWOULDBLOCK):
		f.Close()
		return nil, nil
	default:
		f.Close()
		return nil, fmt.Errorf("realkafka: locking %s: %w", path, err)
	}
}

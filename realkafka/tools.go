package realkafka

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// ConsumerGroupCommand is the class behind kafka-consumer-groups.sh.
const ConsumerGroupCommand = "org.apache.kafka.tools.consumer.group.ConsumerGroupCommand"

// toolsLog4jConfig sends the tools' warnings to standard error and keeps
// their standard output for what they print.
const toolsLog4jConfig = `status = warn
appender.err.type = Console
appender.err.name = STDERR
appender.err.target = SYSTEM_ERR
appender.err.layout.type = PatternLayout
appender.err.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = WARN
rootLogger.appenderRef.err.ref = STDERR
`

// RunTool runs one of Kafka's command-line tools (a main class of the
// kafka-tools artifact, such as ConsumerGroupCommand) of the cluster's
// version, and returns what it printed on standard output. The tools'
// classpath is resolved with Maven on first use, like the broker's. An
// error carries what the tool printed on standard error.
func (c *Cluster) RunTool(ctx context.Context, mainClass string, args ...string) (string, error) {
	if c.isClosed() {
		return "", errClosed
	}
	jars, err := classpath(ctx, c.cfg.version, true)
	if err != nil {
		return "", err
	}
	cfgPath := filepath.Join(c.dir, "tools-log4j2.properties")
	if err := os.WriteFile(cfgPath, []byte(toolsLog4jConfig), 0o644); err != nil {
		return "", fmt.Errorf("realkafka: %w", err)
	}
	argv := []string{"-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-XX:-UsePerfData",
		"-Dlog4j2.configurationFile=" + cfgPath, "-cp", strings.Join(jars, string(os.PathListSeparator)), mainClass}
	cmd := exec.CommandContext(ctx, c.java, append(argv, args...)...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	setProcAttrs(cmd)
	if err := cmd.Run(); err != nil {
		return stdout.String(), fmt.Errorf("realkafka: %s %s: %w; it printed:\n%s", mainClass, strings.Join(args, " "), err, tail(stderr.Bytes(), 20))
	}
	return stdout.String(), nil
}

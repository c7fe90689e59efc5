package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"
)

// configFile is the config file: named clusters, and the one used when
// neither --cluster nor brokers are given.
//
//	default: prod
//	clusters:
//	  prod:
//	    brokers: [k1:9092, k2:9092]
//	    tls: {enabled: true, ca: ca.pem, cert: client.pem, key: client-key.pem, server_name: kafka.internal, insecure_skip_verify: false}
//	    sasl: {mechanism: SCRAM-SHA-512, user: admin, password_file: admin.password}
//
// There is no password key: a password is read from password_file or from
// KAFADMIN_SASL_PASSWORD.
type configFile struct {
	Default  string                   `yaml:"default"`
	Clusters map[string]clusterConfig `yaml:"clusters"`

	path string // where it was read from
}

// clusterConfig is one cluster of the config file.
type clusterConfig struct {
	Brokers brokerList  `yaml:"brokers"`
	TLS     *tlsConfig  `yaml:"tls"`
	SASL    *saslConfig `yaml:"sasl"`
}

type tlsConfig struct {
	Enabled            *bool  `yaml:"enabled"`
	CA                 string `yaml:"ca"`
	Cert               string `yaml:"cert"`
	Key                string `yaml:"key"`
	ServerName         string `yaml:"server_name"`
	InsecureSkipVerify bool   `yaml:"insecure_skip_verify"`
}

type saslConfig struct {
	Mechanism    string `yaml:"mechanism"`
	User         string `yaml:"user"`
	PasswordFile string `yaml:"password_file"`
}

// brokerList is a YAML list of host:port, or one comma-separated string.
type brokerList []string

// UnmarshalYAML reads a list of host:port, or one comma-separated string;
// either may hold comma-separated entries.
func (b *brokerList) UnmarshalYAML(n *yaml.Node) error {
	var entries []string
	switch {
	case n.Kind == yaml.ScalarNode && n.Tag == "!!null":
	case n.Kind == yaml.ScalarNode:
		entries = []string{n.Value}
	case n.Kind == yaml.SequenceNode:
		for _, e := range n.Content {
			if e.Kind != yaml.ScalarNode {
				return fmt.Errorf("line %d: brokers: want host:port strings", e.Line)
			}
			entries = append(entries, e.Value)
		}
	default:
		return fmt.Errorf("line %d: brokers: want a list of host:port, or one string of them separated by commas", n.Line)
	}
	for _, e := range entries {
		for _, addr := range strings.Split(e, ",") {
			if addr = strings.TrimSpace(addr); addr != "" {
				*b = append(*b, addr)
			}
		}
	}
	return nil
}

// defaultConfigPath is $XDG_CONFIG_HOME/kafadmin/config.yaml, else
// ~/.config/kafadmin/config.yaml; "" when there is no home directory.
func defaultConfigPath() string {
	if dir := os.Getenv("XDG_CONFIG_HOME"); filepath.IsAbs(dir) {
		return filepath.Join(dir, "kafadmin", "config.yaml")
	}
	home, err := os.UserHomeDir()
	if err != nil || home == "" {
		return ""
	}
	return filepath.Join(home, ".config", "kafadmin", "config.yaml")
}

// loadConfig reads and checks the config file at path. A missing file is
// an error satisfying errors.Is(err, fs.ErrNotExist).
func loadConfig(path string) (*configFile, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	cf := &configFile{path: path}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(cf); err != nil && !errors.Is(err, io.EOF) {
		return nil, usageError{fmt.Errorf("config file %s: %s", path, describeYAMLError(err))}
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
		return nil, usagef("config file %s: it holds more than one YAML document: keep one", path)
	}
	for name := range cf.Clusters {
		if strings.TrimSpace(name) == "" {
			return nil, usagef("config file %s: a cluster has an empty name: name it", path)
		}
	}
	if cf.Default != "" {
		if _, ok := cf.Clusters[cf.Default]; !ok {
			return nil, usagef("config file %s: default %q names no cluster; %s", path, cf.Default, cf.clusterList())
		}
	}
	return cf, nil
}

// clusterList says which clusters the file defines.
func (cf *configFile) clusterList() string {
	if len(cf.Clusters) == 0 {
		return "it defines none (under clusters:)"
	}
	names := make([]string, 0, len(cf.Clusters))
	for name := range cf.Clusters {
		names = append(names, name)
	}
	slices.Sort(names)
	return "it defines " + strings.Join(names, ", ")
}

// resolvePath makes a path of the config file relative to the file's
// directory, and expands a leading ~/.
func (cf *configFile) resolvePath(p string) string {
	if p == "" {
		return ""
	}
	if rest, ok := strings.CutPrefix(p, "~/"); ok {
		if home, err := os.UserHomeDir(); err == nil {
			return filepath.Join(home, rest)
		}
	}
	if filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(filepath.Dir(cf.path), p)
}

var (
	unknownFieldRE = regexp.MustCompile(`^line (\d+): field (.*) not found in type (\S+)$`)
	cannotDecodeRE = regexp.MustCompile(`^line (\d+): cannot unmarshal (.*) into (\S+)$`)
)

// configSections names the config file's types as their place in the file,
// with the keys each takes.
var configSections = map[string]struct{ name, keys string }{
	"main.configFile":    {"the top level", "default, clusters"},
	"main.clusterConfig": {"a cluster", "brokers, tls, sasl"},
	"main.tlsConfig":     {"tls", "enabled, ca, cert, key, server_name, insecure_skip_verify"},
	"main.saslConfig":    {"sasl", "mechanism, user, password_file"},
}

// configTypes names the Go types of the config file as YAML shapes.
var configTypes = map[string]string{
	"main.configFile":               "a mapping (default, clusters)",
	"map[string]main.clusterConfig": "a mapping of cluster names to clusters",
	"main.clusterConfig":            "a mapping (brokers, tls, sasl)",
	"main.tlsConfig":                "a mapping (enabled, ca, cert, key, server_name, insecure_skip_verify)",
	"main.saslConfig":               "a mapping (mechanism, user, password_file)",
	"bool":                          "true or false",
	"string":                        "a string",
	"main.brokerList":               "a list of host:port",
}

// describeYAMLError rewrites the YAML decoder's errors in the file's terms:
// unknown keys and mistyped values, each with its line.
func describeYAMLError(err error) string {
	var te *yaml.TypeError
	if !errors.As(err, &te) {
		return strings.TrimPrefix(err.Error(), "yaml: ") + ": fix the YAML"
	}
	msgs := make([]string, 0, len(te.Errors))
	for _, e := range te.Errors {
		if m := unknownFieldRE.FindStringSubmatch(e); m != nil {
			line, key, section := m[1], m[2], configSections[m[3]]
			if m[3] == "main.saslConfig" && key == "password" {
				msgs = append(msgs, fmt.Sprintf("line %s: sasl takes no password: write it to a file named by password_file, or set KAFADMIN_SASL_PASSWORD", line))
				continue
			}
			if section.name == "" {
				msgs = append(msgs, fmt.Sprintf("line %s: unknown key %q", line, key))
				continue
			}
			msgs = append(msgs, fmt.Sprintf("line %s: unknown key %q in %s; its keys are %s", line, key, section.name, section.keys))
			continue
		}
		if m := cannotDecodeRE.FindStringSubmatch(e); m != nil {
			want := configTypes[m[3]]
			if want == "" {
				want = m[3]
			}
			msgs = append(msgs, fmt.Sprintf("line %s: got %s, want %s", m[1], m[2], want))
			continue
		}
		msgs = append(msgs, e)
	}
	return strings.Join(msgs, "; ")
}

package main

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strconv"
	"strings"

	"github.com/spf13/pflag"

	"github.com/kafadmin/kafadmin"
)

// connection is how to reach the cluster. Each setting is taken from its
// flag, else from its environment variable, else from the cluster of the
// config file that --cluster (or KAFADMIN_CLUSTER) names; with neither, from
// the file's default cluster, unless brokers are given.
type connection struct {
	flags *pflag.FlagSet

	brokers, cluster, config                  string
	tls, tlsInsecure                          bool
	tlsCA, tlsCert, tlsKey, tlsServerName     string
	saslMechanism, saslUser, saslPasswordFile string

	warned bool // about skipping certificate verification
	// fromCluster is set once a cluster of the config file is in use: its
	// settings are then overridden by flags only, never by environment
	// variables, so that a variable exported for another cluster cannot
	// send this cluster's credentials elsewhere, or another password here.
	fromCluster bool
}

func (c *connection) addFlags(pf *pflag.FlagSet) {
	c.flags = pf
	pf.StringVar(&c.brokers, "brokers", "", "bootstrap brokers, host:port[,host:port...] (env KAFADMIN_BROKERS)")
	pf.StringVar(&c.cluster, "cluster", "", "connect to this cluster of the config file; without it (and without brokers) the file's default cluster (env KAFADMIN_CLUSTER)")
	pf.StringVar(&c.config, "config", "", "config file of named clusters (env KAFADMIN_CONFIG; default $XDG_CONFIG_HOME/kafadmin/config.yaml, else ~/.config/kafadmin/config.yaml)")
	pf.BoolVar(&c.tls, "tls", false, "connect over TLS, trusting the system's CAs unless --tls-ca is given; any other --tls-* flag implies it (env KAFADMIN_TLS=true)")
	pf.StringVar(&c.tlsCA, "tls-ca", "", "PEM `file` of the CA certificates that sign the brokers' certificates, trusted instead of the system's (env KAFADMIN_TLS_CA)")
	pf.StringVar(&c.tlsCert, "tls-cert", "", "PEM `file` of a client certificate, for brokers that require one; needs --tls-key (env KAFADMIN_TLS_CERT)")
	pf.StringVar(&c.tlsKey, "tls-key", "", "PEM `file` of the client certificate's private key (env KAFADMIN_TLS_KEY)")
	pf.StringVar(&c.tlsServerName, "tls-server-name", "", "`name` the brokers' certificates must be valid for, instead of each broker's host name (env KAFADMIN_TLS_SERVER_NAME)")
	pf.BoolVar(&c.tlsInsecure, "tls-insecure-skip-verify", false, "do not verify the brokers' certificates: anyone on the network path can then read and change the traffic, credentials included")
	pf.StringVar(&c.saslMechanism, "sasl-mechanism", "", "authenticate with SASL `mechanism` PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512 (env KAFADMIN_SASL_MECHANISM)")
	pf.StringVar(&c.saslUser, "sasl-user", "", "SASL user `name` (env KAFADMIN_SASL_USER)")
	pf.StringVar(&c.saslPasswordFile, "sasl-password-file", "", "`file` holding the SASL password (trailing newlines are ignored), else env KAFADMIN_SASL_PASSWORD holds it; there is no --sasl-password flag, since a password on the command line leaks into ps and shell history (env KAFADMIN_SASL_PASSWORD_FILE)")
}

// origin is where a setting came from.
type origin int

const (
	unset origin = iota
	fromFlag
	fromEnv
	fromFile
)

// setting is one setting's value and where it came from, to name it in
// errors: "--tls-ca", "KAFADMIN_TLS_CA", or "tls.ca" of a cluster of the
// config file.
type setting struct {
	val   string
	from  origin
	name  string
	bool  bool   // a boolean flag, written --name=value
	where string // for the config file: `cluster "prod" in /path`
}

func (s setting) set() bool { return s.from != unset && s.val != "" }

// given says whether the setting was given by a flag or the environment,
// which take precedence over the config file.
func (s setting) given() bool { return s.from == fromFlag || s.from == fromEnv }

// named names the setting.
func (s setting) named() string {
	if s.from == fromFile {
		return fmt.Sprintf("%s of %s", s.name, s.where)
	}
	return s.name
}

// withValue names the setting and its value.
func (s setting) withValue() string {
	switch {
	case s.from == fromFlag && !s.bool:
		return s.name + " " + s.val
	case s.from == fromFlag, s.from == fromEnv:
		return s.name + "=" + s.val
	default:
		return fmt.Sprintf("%s %s of %s", s.name, s.val, s.where)
	}
}

// pick resolves one setting: the flag if given, else the environment
// variable if set and not empty, else what the config file says.
func (c *connection) pick(flag, env string, file setting) setting {
	if c.flags != nil {
		if f := c.flags.Lookup(flag); f != nil && f.Changed {
			return setting{val: f.Value.String(), from: fromFlag, name: "--" + flag, bool: f.Value.Type() == "bool"}
		}
	}
	if env != "" && !c.fromCluster {
		if v := os.Getenv(env); v != "" {
			return setting{val: v, from: fromEnv, name: env}
		}
	}
	return file
}

// options resolves the settings into client options. Files named by the
// settings are read here, and every setting is checked, before anything is
// sent to the cluster. A warning that certificates go unverified is written
// to stderr, once.
func (c *connection) options(stderr io.Writer) ([]kafadmin.Option, error) {
	brokers := c.pick("brokers", "KAFADMIN_BROKERS", setting{})
	cluster := c.pick("cluster", "KAFADMIN_CLUSTER", setting{})
	cfgPath := c.pick("config", "KAFADMIN_CONFIG", setting{})
	file, err := fileSettings(brokers, cluster, cfgPath)
	if err != nil {
		return nil, err
	}
	if file != nil {
		c.fromCluster = true
		brokers = c.pick("brokers", "", file["brokers"])
	}
	if strings.TrimSpace(brokers.val) == "" {
		if where, ok := file["cluster"]; ok {
			return nil, usagef("no brokers: %s has none: add brokers: [host:port] to it, or pass --brokers host:port", where.where)
		}
		return nil, usagef("no brokers: pass --brokers host:port or set KAFADMIN_BROKERS, or name a cluster of the config file with --cluster")
	}
	opts := []kafadmin.Option{kafadmin.WithBrokers(brokers.val)}

	tlsCfg, err := c.tlsConfig(file, stderr)
	if err != nil {
		return nil, err
	}
	if tlsCfg != nil {
		opts = append(opts, kafadmin.WithTLS(tlsCfg))
	}
	auth, err := c.sasl(file)
	if err != nil {
		return nil, err
	}
	if auth != nil {
		opts = append(opts, auth)
	}
	return opts, nil
}

// fileSettings reads the config file when it is needed, and returns the
// settings of the cluster to use, keyed by their flag's name; nil when no
// cluster of the file is used. The file is needed when a cluster is named,
// when a config file is named, or when no brokers are given (for its default
// cluster); a missing file is an error only in the first two cases.
func fileSettings(brokers, cluster, path setting) (map[string]setting, error) {
	explicit := path.set()
	if !explicit {
		path = setting{val: defaultConfigPath(), from: fromFile, name: "the config file"}
	}
	if cluster.from == fromEnv && brokers.from == fromFlag {
		// --brokers names other brokers than the cluster's: a cluster
		// the environment selects is not used with them.
		cluster = setting{}
	}
	if !cluster.set() && !explicit && brokers.set() {
		return nil, nil
	}
	if path.val == "" {
		if cluster.set() {
			return nil, usagef("%s: there is no config file to look it up in (no home directory): pass --config FILE", cluster.withValue())
		}
		return nil, nil
	}
	cf, err := loadConfig(path.val)
	switch {
	case errors.Is(err, fs.ErrNotExist) && explicit:
		return nil, usagef("%s: no such file: create it, or name another one", path.withValue())
	case errors.Is(err, fs.ErrNotExist) && cluster.set():
		return nil, usagef("%s: there is no config file at %s to define it: create one, or pass --config FILE", cluster.withValue(), path.val)
	case errors.Is(err, fs.ErrNotExist):
		return nil, nil
	case err != nil:
		var ue usageError
		if errors.As(err, &ue) {
			return nil, err
		}
		return nil, usagef("cannot read the config file: %v", err)
	}
	name := cluster.val
	if name == "" {
		if brokers.set() || cf.Default == "" {
			return nil, nil
		}
		name = cf.Default
	}
	cc, ok := cf.Clusters[name]
	if !ok {
		return nil, usagef("%s: no such cluster in %s; %s", cluster.withValue(), cf.path, cf.clusterList())
	}
	return clusterSettings(cf, name, cc), nil
}

// clusterSettings are the settings of one cluster of the config file, with
// its paths resolved, keyed by their flag's name. Key "cluster" says which
// cluster it is.
func clusterSettings(cf *configFile, name string, cc clusterConfig) map[string]setting {
	where := fmt.Sprintf("cluster %q in %s", name, cf.path)
	m := map[string]setting{"cluster": {val: name, from: fromFile, name: "cluster", where: where}}
	add := func(flag, key, val string) {
		if val != "" {
			m[flag] = setting{val: val, from: fromFile, name: key, where: where}
		}
	}
	add("brokers", "brokers", strings.Join(cc.Brokers, ","))
	if t := cc.TLS; t != nil {
		if t.Enabled != nil {
			add("tls", "tls.enabled", strconv.FormatBool(*t.Enabled))
		}
		add("tls-ca", "tls.ca", cf.resolvePath(t.CA))
		add("tls-cert", "tls.cert", cf.resolvePath(t.Cert))
		add("tls-key", "tls.key", cf.resolvePath(t.Key))
		add("tls-server-name", "tls.server_name", t.ServerName)
		if t.InsecureSkipVerify {
			add("tls-insecure-skip-verify", "tls.insecure_skip_verify", "true")
		}
	}
	if s := cc.SASL; s != nil {
		add("sasl-mechanism", "sasl.mechanism", s.Mechanism)
		add("sasl-user", "sasl.user", s.User)
		add("sasl-password-file", "sasl.password_file", cf.resolvePath(s.PasswordFile))
	}
	return m
}

// parseBool reads a boolean setting; unset is false.
func parseBool(s setting) (bool, error) {
	if !s.set() {
		return false, nil
	}
	b, err := strconv.ParseBool(s.val)
	if err != nil {
		return false, usagef("%s: want true or false", s.withValue())
	}
	return b, nil
}

// tlsConfig resolves the TLS settings: nil when TLS is off. TLS is on when
// --tls (or KAFADMIN_TLS) says so, when any other TLS setting is given by a
// flag or the environment, or else as the config file says: its tls.enabled,
// or the presence of any other tls key.
func (c *connection) tlsConfig(file map[string]setting, stderr io.Writer) (*tls.Config, error) {
	on := c.pick("tls", "KAFADMIN_TLS", file["tls"])
	ca := c.pick("tls-ca", "KAFADMIN_TLS_CA", file["tls-ca"])
	cert := c.pick("tls-cert", "KAFADMIN_TLS_CERT", file["tls-cert"])
	key := c.pick("tls-key", "KAFADMIN_TLS_KEY", file["tls-key"])
	serverName := c.pick("tls-server-name", "KAFADMIN_TLS_SERVER_NAME", file["tls-server-name"])
	insecure := c.pick("tls-insecure-skip-verify", "", file["tls-insecure-skip-verify"])
	enabled, err := parseBool(on)
	if err != nil {
		return nil, err
	}
	skipVerify, err := parseBool(insecure)
	if err != nil {
		return nil, err
	}
	others := []setting{ca, cert, key, serverName}
	if skipVerify {
		others = append(others, insecure)
	}
	var implied, impliedInFile *setting
	for i := range others {
		switch {
		case !others[i].set():
		case others[i].given() && implied == nil:
			implied = &others[i]
		case others[i].from == fromFile && impliedInFile == nil:
			impliedInFile = &others[i]
		}
	}
	switch {
	case on.given() && !enabled && implied != nil:
		return nil, usagef("%s contradicts %s, which needs TLS: drop one", on.withValue(), implied.named())
	case on.given() && !enabled:
		return nil, nil
	case on.given() || implied != nil:
	case on.from == fromFile && !enabled:
		return nil, nil
	case on.from == fromFile || impliedInFile != nil:
	default:
		return nil, nil
	}

	cfg := &tls.Config{ServerName: serverName.val, InsecureSkipVerify: skipVerify}
	if ca.set() {
		pem, err := readSettingFile(ca, "the CA certificates that signed the brokers' certificates")
		if err != nil {
			return nil, err
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, usagef("%s: no PEM certificate in it: name a file of -----BEGIN CERTIFICATE----- blocks, the CA's that signed the brokers' certificates", ca.withValue())
		}
		cfg.RootCAs = pool
	}
	switch {
	case cert.set() && !key.set():
		return nil, usagef("%s needs its private key: pass --tls-key FILE too (or set KAFADMIN_TLS_KEY, or tls.key in the config file)", cert.named())
	case key.set() && !cert.set():
		return nil, usagef("%s needs its client certificate: pass --tls-cert FILE too (or set KAFADMIN_TLS_CERT, or tls.cert in the config file)", key.named())
	case cert.set():
		certPEM, err := readSettingFile(cert, "the client certificate")
		if err != nil {
			return nil, err
		}
		keyPEM, err := readSettingFile(key, "the client certificate's private key")
		if err != nil {
			return nil, err
		}
		pair, err := tls.X509KeyPair(certPEM, keyPEM)
		if err != nil {
			return nil, usagef("%s and %s: %v: name a PEM certificate and its own private key", cert.withValue(), key.withValue(), err)
		}
		cfg.Certificates = []tls.Certificate{pair}
	}
	if skipVerify && !c.warned {
		c.warned = true
		fmt.Fprintf(stderr, "kafadmin: warning: %s: the brokers' certificates are not verified; anyone on the network path can read and change the traffic, credentials included\n", insecure.named())
	}
	return cfg, nil
}

// readSettingFile reads the PEM file a setting names, of what; a file that
// cannot be read is a usage error naming the setting.
func readSettingFile(s setting, what string) ([]byte, error) {
	data, err := os.ReadFile(s.val)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil, usagef("%s: no such file: name the PEM file of %s", s.withValue(), what)
	case err != nil:
		return nil, usagef("%s: cannot read it: %v", s.withValue(), pathErr(err))
	}
	return data, nil
}

// pathErr drops the path from a file error, for messages that name it
// themselves: "no such file or directory".
func pathErr(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// sasl resolves the SASL settings: nil when there is no mechanism. The
// password comes from --sasl-password-file, else KAFADMIN_SASL_PASSWORD,
// else KAFADMIN_SASL_PASSWORD_FILE, else the config file's
// sasl.password_file; for a cluster of the config file, its password_file
// comes before KAFADMIN_SASL_PASSWORD, and KAFADMIN_SASL_PASSWORD_FILE is
// not read. It is never part of an error.
func (c *connection) sasl(file map[string]setting) (kafadmin.Option, error) {
	mech := c.pick("sasl-mechanism", "KAFADMIN_SASL_MECHANISM", file["sasl-mechanism"])
	user := c.pick("sasl-user", "KAFADMIN_SASL_USER", file["sasl-user"])
	pwFile := c.pick("sasl-password-file", "KAFADMIN_SASL_PASSWORD_FILE", file["sasl-password-file"])
	envPassword := os.Getenv("KAFADMIN_SASL_PASSWORD")
	if c.fromCluster && file["sasl-password-file"].set() {
		// The cluster names its password file: a password in the
		// environment may be another cluster's.
		envPassword = ""
	}

	if !mech.set() {
		// A password in the environment alone is not an error: it may be
		// exported for another cluster. An empty --sasl-mechanism turns off
		// the config file's SASL.
		for _, s := range []setting{user, pwFile} {
			if s.set() && (mech.from == unset || s.given()) {
				return nil, usagef("%s is given but no SASL mechanism: pass --sasl-mechanism PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512 (or set KAFADMIN_SASL_MECHANISM)", s.named())
			}
		}
		return nil, nil
	}
	name := strings.ToUpper(strings.TrimSpace(mech.val))
	var with func(user, password string) kafadmin.Option
	switch name {
	case "PLAIN":
		with = kafadmin.WithSASLPlain
	case "SCRAM-SHA-256":
		with = kafadmin.WithSASLScramSHA256
	case "SCRAM-SHA-512":
		with = kafadmin.WithSASLScramSHA512
	default:
		return nil, usagef("%s: unknown SASL mechanism: want PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512", mech.withValue())
	}
	if !user.set() {
		return nil, usagef("SASL %s (%s) needs a user: pass --sasl-user NAME, set KAFADMIN_SASL_USER, or add sasl.user to the cluster in the config file", name, mech.named())
	}

	var password string
	switch {
	case pwFile.from == fromFlag:
		p, err := readPassword(pwFile)
		if err != nil {
			return nil, err
		}
		password = p
	case envPassword != "" && pwFile.from == fromEnv:
		return nil, usagef("both KAFADMIN_SASL_PASSWORD and KAFADMIN_SASL_PASSWORD_FILE are set: unset one")
	case envPassword != "":
		password = envPassword
	case pwFile.set():
		p, err := readPassword(pwFile)
		if err != nil {
			return nil, err
		}
		password = p
	default:
		return nil, usagef("SASL %s (%s) needs a password: pass --sasl-password-file FILE, set KAFADMIN_SASL_PASSWORD, or add sasl.password_file to the cluster in the config file", name, mech.named())
	}
	return with(user.val, password), nil
}

// readPassword reads the password file a setting names, without its
// trailing newlines. Its errors name the path only when it comes from the
// config file: a value typed on the command line or set in the environment
// may be a password mistaken for a path.
func readPassword(s setting) (string, error) {
	what := s.name
	if s.from == fromFile {
		what = s.withValue()
	}
	data, err := os.ReadFile(s.val)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return "", usagef("%s: no such file: it takes the path of a file holding the SASL password", what)
	case err != nil:
		return "", usagef("%s: cannot read the password file: %v", what, pathErr(err))
	}
	password := strings.TrimRight(string(data), "\r\n")
	if password == "" {
		return "", usagef("%s: the password file is empty: write the password to it", what)
	}
	return password, nil
}

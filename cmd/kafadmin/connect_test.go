package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kafadmin/kafadmin/internal/testcert"
	"github.com/kafadmin/kafadmin/kafkatest"
)

// The passwords of the tests' SASL users. None may ever appear in the
// command's output.
const (
	connAdminPassword = "Adm1n-pw-512-zqx"
	connOpsPassword   = "0ps-pw-256-wvk"
	connPlainPassword = "Pl4in-pw-jrt"
	connWrongPassword = "Wr0ng-pw-hgf"
	connYAMLPassword  = "Inl1ne-pw-yml"
)

var connPasswords = []string{connAdminPassword, connOpsPassword, connPlainPassword, connWrongPassword, connYAMLPassword}

// connSettingsEnv unsets every connection variable of the test's
// environment, and points the default config file at an empty directory.
func connSettingsEnv(t *testing.T) []string {
	t.Helper()
	env := []string{"XDG_CONFIG_HOME=" + t.TempDir(), "HOME=" + t.TempDir()}
	for _, name := range []string{"BROKERS", "CLUSTER", "CONFIG", "TLS", "TLS_CA", "TLS_CERT", "TLS_KEY", "TLS_SERVER_NAME",
		"SASL_MECHANISM", "SASL_USER", "SASL_PASSWORD_FILE", "SASL_PASSWORD"} {
		env = append(env, "KAFADMIN_"+name+"=")
	}
	return env
}

// connRun runs the built binary with env after connSettingsEnv's, and fails
// the test if any password appears in its output.
func connRun(t *testing.T, env []string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	stdout, stderr, code = runBin(t, append(connSettingsEnv(t), env...), "", args...)
	for _, pw := range connPasswords {
		if strings.Contains(stdout, pw) || strings.Contains(stderr, pw) {
			t.Fatalf("%v: a password appears in the output:\nstdout %q\nstderr %q", args, stdout, stderr)
		}
	}
	return stdout, stderr, code
}

// connOK runs a command that must succeed, listing the groups, and
// checks that group is among them.
func connOK(t *testing.T, env []string, group string, args ...string) {
	t.Helper()
	out, errOut, code := connRun(t, env, append([]string{"groups", "list", "--timeout", "20s"}, args...)...)
	if code != 0 || errOut != "" {
		t.Fatalf("%v %v: exit %d, stderr %q", env, args, code, errOut)
	}
	if !strings.HasPrefix(out, "GROUP") || (group != "" && !strings.Contains(out, "\n"+group+" ")) {
		t.Fatalf("%v %v: want a table with group %q:\n%s", env, args, group, out)
	}
}

// connFail runs a command that must fail with the exit code, its stderr
// containing every one of wants.
func connFail(t *testing.T, env []string, code int, wants []string, args ...string) {
	t.Helper()
	out, errOut, got := connRun(t, env, append([]string{"groups", "list", "--timeout", "3s"}, args...)...)
	if got != code {
		t.Fatalf("%v %v: exit %d, want %d; stderr %q, stdout %q", env, args, got, code, errOut, out)
	}
	for _, want := range wants {
		if !strings.Contains(errOut, want) {
			t.Fatalf("%v %v: stderr %q lacks %q", env, args, errOut, want)
		}
	}
}

func writeConnFile(t *testing.T, path, content string) string {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func pemBlock(typ string, der []byte) string {
	return string(pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}))
}

// connTLS returns the server configuration of a TLS cluster and writes the
// CA certificate that clients trust it with to dir/ca.pem.
func connTLS(t *testing.T, dir string) (server *tls.Config, caPath string) {
	t.Helper()
	server, _, err := kafkatest.SelfSignedTLS()
	if err != nil {
		t.Fatal(err)
	}
	return server, writeConnFile(t, filepath.Join(dir, "ca.pem"), pemBlock("CERTIFICATE", server.Certificates[0].Certificate[0]))
}

// connClientCert writes a self-signed client certificate and its key to
// dir/client.pem and dir/client-key.pem, and returns a pool trusting it.
func connClientCert(t *testing.T, dir string) (certPath, keyPath string, pool *x509.CertPool) {
	t.Helper()
	cert, err := testcert.NewClient("kafadmin-test-client")
	if err != nil {
		t.Fatal(err)
	}
	keyPEM, err := cert.KeyPEM()
	if err != nil {
		t.Fatal(err)
	}
	pool = x509.NewCertPool()
	pool.AddCert(cert.Leaf)
	return writeConnFile(t, filepath.Join(dir, "client.pem"), string(cert.CertPEM())),
		writeConnFile(t, filepath.Join(dir, "client-key.pem"), string(keyPEM)), pool
}

// connCommit gives the cluster a group named group, so that a listing
// shows which cluster was reached.
func connCommit(t *testing.T, kc *kafkatest.Cluster, group string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := kc.Produce(ctx, "orders", 0, 1); err != nil {
		t.Fatal(err)
	}
	if err := kc.CommitOffsets(ctx, group, map[string]map[int32]int64{"orders": {0: 1}}); err != nil {
		t.Fatal(err)
	}
}

func TestConnectTLS(t *testing.T) {
	dir := t.TempDir()
	server, ca := connTLS(t, dir)
	kc := kafkatest.New(t, kafkatest.WithTLS(server), kafkatest.SeedTopic("orders", 1))
	connCommit(t, kc, "tls-g")
	brokers := "--brokers=" + kc.BootstrapServers()

	connOK(t, nil, "tls-g", brokers, "--tls-ca", ca)
	connOK(t, nil, "tls-g", brokers, "--tls", "--tls-ca", ca)
	connOK(t, []string{"KAFADMIN_TLS_CA=" + ca, "KAFADMIN_BROKERS=" + kc.BootstrapServers()}, "tls-g")
	connOK(t, []string{"KAFADMIN_TLS=true", "KAFADMIN_TLS_CA=" + ca}, "tls-g", brokers)
	connOK(t, nil, "tls-g", brokers, "--tls-ca", ca, "--tls-server-name", "kafkatest")
	connOK(t, []string{"KAFADMIN_TLS_SERVER_NAME=kafkatest"}, "tls-g", brokers, "--tls-ca", ca)

	// Unverified: it works, with one warning.
	out, errOut, code := connRun(t, nil, "groups", "list", brokers, "--tls-insecure-skip-verify")
	if code != 0 || !strings.Contains(out, "tls-g") || strings.Count(errOut, "warning") != 1 || !strings.Contains(errOut, "--tls-insecure-skip-verify: the brokers' certificates are not verified") {
		t.Fatalf("--tls-insecure-skip-verify: exit %d, stderr %q, stdout %q", code, errOut, out)
	}

	// The certificate is checked: not trusted by the system, nor valid
	// for another name; and the cluster does not speak plaintext.
	connFail(t, nil, 1, []string{"certificate"}, brokers, "--tls")
	connFail(t, nil, 1, []string{"certificate"}, brokers, "--tls-ca", ca, "--tls-server-name", "kafka.example.com")
	connFail(t, []string{"KAFADMIN_TLS=false"}, 1, []string{"cannot reach the cluster"}, brokers)
}

func TestConnectMutualTLS(t *testing.T) {
	dir := t.TempDir()
	server, ca := connTLS(t, dir)
	cert, key, clients := connClientCert(t, dir)
	server.ClientAuth = tls.RequireAndVerifyClientCert
	server.ClientCAs = clients
	// No seeding: the cluster's own clients present no certificate.
	kc := kafkatest.New(t, kafkatest.WithTLS(server), kafkatest.Brokers(1))
	brokers := "--brokers=" + kc.BootstrapServers()

	connOK(t, nil, "", brokers, "--tls-ca", ca, "--tls-cert", cert, "--tls-key", key)
	connOK(t, []string{"KAFADMIN_TLS_CERT=" + cert, "KAFADMIN_TLS_KEY=" + key}, "", brokers, "--tls-ca", ca)

	// From the config file, with paths relative to its directory.
	config := writeConnFile(t, filepath.Join(dir, "mtls.yaml"), `
clusters:
  mtls:
    brokers: `+kc.BootstrapServers()+`
    tls:
      ca: ca.pem
      cert: client.pem
      key: client-key.pem
`)
	connOK(t, nil, "", "--config", config, "--cluster", "mtls")

	connFail(t, nil, 1, []string{"cannot reach the cluster"}, brokers, "--tls-ca", ca)
}

func TestConnectSASL(t *testing.T) {
	kc := kafkatest.New(t, kafkatest.SeedTopic("orders", 1),
		kafkatest.WithSASL("SCRAM-SHA-512", "admin", connAdminPassword),
		kafkatest.WithSASL("SCRAM-SHA-256", "ops", connOpsPassword),
		kafkatest.WithSASL("PLAIN", "plain", connPlainPassword))
	connCommit(t, kc, "sasl-g")
	dir := t.TempDir()
	env := []string{"KAFADMIN_BROKERS=" + kc.BootstrapServers()}
	for _, u := range []struct{ mechanism, user, password string }{
		{"SCRAM-SHA-512", "admin", connAdminPassword},
		{"scram-sha-256", "ops", connOpsPassword},
		{"PLAIN", "plain", connPlainPassword},
	} {
		file := writeConnFile(t, filepath.Join(dir, u.user+".password"), u.password+"\n")
		connOK(t, append(env, "KAFADMIN_SASL_PASSWORD="+u.password), "sasl-g", "--sasl-mechanism", u.mechanism, "--sasl-user", u.user)
		connOK(t, env, "sasl-g", "--sasl-mechanism", u.mechanism, "--sasl-user", u.user, "--sasl-password-file", file)
		connOK(t, append(env, "KAFADMIN_SASL_MECHANISM="+u.mechanism, "KAFADMIN_SASL_USER="+u.user, "KAFADMIN_SASL_PASSWORD_FILE="+file), "sasl-g")
		// The flag's file wins over the environment's password.
		connOK(t, append(env, "KAFADMIN_SASL_PASSWORD="+connWrongPassword), "sasl-g", "--sasl-mechanism", u.mechanism, "--sasl-user", u.user, "--sasl-password-file", file)

		connFail(t, append(env, "KAFADMIN_SASL_PASSWORD="+connWrongPassword), 1, []string{"credentials"},
			"--sasl-mechanism", u.mechanism, "--sasl-user", u.user)
		wrong := writeConnFile(t, filepath.Join(dir, "wrong.password"), connWrongPassword)
		connFail(t, env, 1, []string{"credentials"}, "--sasl-mechanism", u.mechanism, "--sasl-user", u.user, "--sasl-password-file", wrong)
	}
	// The mechanism is one the user does not have.
	connFail(t, append(env, "KAFADMIN_SASL_PASSWORD="+connAdminPassword), 1, nil, "--sasl-mechanism", "PLAIN", "--sasl-user", "admin")
	// No SASL at all.
	connFail(t, env, 1, []string{"cannot reach the cluster"})
}

func TestConnectTLSAndSASL(t *testing.T) {
	dir := t.TempDir()
	server, ca := connTLS(t, dir)
	kc := kafkatest.New(t, kafkatest.WithTLS(server), kafkatest.SeedTopic("orders", 1),
		kafkatest.WithSASL("SCRAM-SHA-512", "admin", connAdminPassword),
		kafkatest.WithSASL("PLAIN", "plain", connPlainPassword))
	connCommit(t, kc, "secure-g")
	brokers := "--brokers=" + kc.BootstrapServers()
	connOK(t, []string{"KAFADMIN_SASL_PASSWORD=" + connAdminPassword}, "secure-g", brokers, "--tls-ca", ca, "--sasl-mechanism", "SCRAM-SHA-512", "--sasl-user", "admin")
	connOK(t, []string{"KAFADMIN_SASL_PASSWORD=" + connPlainPassword, "KAFADMIN_TLS_CA=" + ca}, "secure-g", brokers, "--sasl-mechanism", "plain", "--sasl-user", "plain")
	connFail(t, []string{"KAFADMIN_SASL_PASSWORD=" + connWrongPassword}, 1, []string{"credentials"}, brokers, "--tls-ca", ca, "--sasl-mechanism", "SCRAM-SHA-512", "--sasl-user", "admin")
}

func TestConnectConfig(t *testing.T) {
	xdg := t.TempDir()
	dir := filepath.Join(xdg, "kafadmin")
	server, _ := connTLS(t, filepath.Join(dir, "certs"))
	secure := kafkatest.New(t, kafkatest.WithTLS(server), kafkatest.SeedTopic("orders", 1),
		kafkatest.WithSASL("SCRAM-SHA-512", "admin", connAdminPassword),
		kafkatest.WithSASL("SCRAM-SHA-256", "ops", connOpsPassword))
	connCommit(t, secure, "secure-g")
	plain := kafkatest.New(t, kafkatest.SeedTopic("orders", 1))
	connCommit(t, plain, "plain-g")
	stopped := kafkatest.New(t, kafkatest.Brokers(1))
	refused := stopped.Addr(0)
	if err := stopped.StopBroker(0); err != nil {
		t.Fatal(err)
	}
	writeConnFile(t, filepath.Join(dir, "admin.password"), connAdminPassword+"\n")
	opsFile := writeConnFile(t, filepath.Join(t.TempDir(), "ops.password"), connOpsPassword)
	writeConnFile(t, filepath.Join(dir, "config.yaml"), `
default: secure
clusters:
  secure:
    brokers: [`+strings.Join(secure.Addrs(), ", ")+`]
    tls: {ca: certs/ca.pem, server_name: kafkatest}
    sasl: {mechanism: SCRAM-SHA-512, user: admin, password_file: admin.password}
  plain:
    brokers: "`+plain.BootstrapServers()+`"
  stale:
    brokers: [`+refused+`]
    tls: {enabled: true, ca: `+filepath.Join(dir, "certs", "ca.pem")+`}
    sasl: {mechanism: SCRAM-SHA-512, user: admin, password_file: admin.password}
`)
	env := []string{"XDG_CONFIG_HOME=" + xdg}

	connOK(t, env, "secure-g", "--cluster", "secure")
	connOK(t, env, "secure-g") // the default cluster
	connOK(t, env, "plain-g", "--cluster", "plain")
	connOK(t, append(env, "KAFADMIN_CLUSTER=plain"), "plain-g")
	connOK(t, append(env, "KAFADMIN_CLUSTER=nope"), "plain-g", "--cluster", "plain")
	// Brokers given: the default cluster does not apply.
	connOK(t, env, "plain-g", "--brokers", plain.BootstrapServers())
	connOK(t, append(env, "KAFADMIN_BROKERS="+plain.BootstrapServers()), "plain-g")
	// Flags override the named cluster's settings; the environment does
	// not, so that variables exported for another cluster never mix with
	// this one's credentials.
	connOK(t, env, "secure-g", "--cluster", "stale", "--brokers", secure.BootstrapServers())
	connFail(t, append(env, "KAFADMIN_BROKERS="+secure.BootstrapServers()), 1, []string{"cannot reach the cluster"}, "--cluster", "stale")
	connOK(t, env, "secure-g", "--cluster", "secure", "--sasl-mechanism", "SCRAM-SHA-256", "--sasl-user", "ops", "--sasl-password-file", opsFile)
	connOK(t, append(env, "KAFADMIN_SASL_MECHANISM=PLAIN", "KAFADMIN_SASL_USER=nobody", "KAFADMIN_SASL_PASSWORD="+connWrongPassword, "KAFADMIN_TLS_SERVER_NAME=elsewhere"), "secure-g")
	connOK(t, append(env, "KAFADMIN_SASL_PASSWORD="+connWrongPassword), "secure-g", "--cluster", "secure")
	// A cluster selected by the environment is not used with --brokers:
	// its TLS and SASL settings would go to other brokers.
	connOK(t, append(env, "KAFADMIN_CLUSTER=secure"), "plain-g", "--brokers", plain.BootstrapServers())
	connFail(t, env, 1, []string{"credentials"}, "--cluster", "secure", "--sasl-user", "ops")
	connFail(t, env, 1, []string{"cannot reach the cluster"}, "--cluster", "secure", "--tls=false")
	// An empty flag clears the file's setting: no SASL, which this
	// cluster needs.
	connFail(t, env, 1, []string{"cannot reach the cluster"}, "--cluster", "secure", "--sasl-mechanism=")
	connFail(t, env, 2, []string{"--sasl-user is given but no SASL mechanism"}, "--cluster", "secure", "--sasl-mechanism=", "--sasl-user", "ops")

	// Another file, by flag and by the environment.
	other := writeConnFile(t, filepath.Join(t.TempDir(), "other.yaml"), "default: p\nclusters:\n  p:\n    brokers: "+plain.BootstrapServers()+"\n")
	connOK(t, env, "plain-g", "--config", other)
	connOK(t, append(env, "KAFADMIN_CONFIG="+other), "plain-g")
	connOK(t, append(env, "KAFADMIN_CONFIG="+other), "secure-g", "--config", filepath.Join(dir, "config.yaml"), "--cluster", "secure")
}

// TestConnectBadInput checks that bad settings are refused with a message
// saying what is wrong and what to do, before anything is sent to the
// cluster.
func TestConnectBadInput(t *testing.T) {
	kc := kafkatest.New(t, kafkatest.Brokers(1))
	kc.ResetRequestCounts()
	brokers := "--brokers=" + kc.BootstrapServers()
	dir := t.TempDir()
	xdg := filepath.Join(dir, "xdg")
	_, ca := connTLS(t, dir)
	cert, key, _ := connClientCert(t, dir)
	config := writeConnFile(t, filepath.Join(xdg, "kafadmin", "config.yaml"), `
clusters:
  good:
    brokers: [`+kc.BootstrapServers()+`]
  nopw:
    brokers: [`+kc.BootstrapServers()+`]
    sasl: {mechanism: PLAIN, user: u, password_file: missing.password}
  empty:
    tls: {enabled: true}
`)
	bad := func(name, content string) string {
		return writeConnFile(t, filepath.Join(dir, name), content)
	}
	malformed := bad("malformed.yaml", "clusters:\n  good:\n\tbrokers: [a:9092]\n")
	unknownKey := bad("unknown.yaml", "clusters:\n  good:\n    brokers: [a:9092]\n    tls:\n      bogus: true\n")
	unknownTop := bad("unknown-top.yaml", "cluster:\n  good: {}\n")
	inlinePassword := bad("inline.yaml", "clusters:\n  good:\n    brokers: [a:9092]\n    sasl: {mechanism: PLAIN, user: u, password: "+connYAMLPassword+"}\n")
	badBool := bad("bool.yaml", "clusters:\n  good:\n    brokers: [a:9092]\n    tls: {enabled: maybe}\n")
	badDefault := bad("default.yaml", "default: gone\nclusters:\n  good: {brokers: [a:9092]}\n")
	notPEM := bad("not.pem", "not a certificate\n")
	emptyPassword := bad("empty.password", "\n")
	env := []string{"XDG_CONFIG_HOME=" + xdg}
	missing := filepath.Join(dir, "missing")

	for _, tc := range []struct {
		env   []string
		args  []string
		wants []string
	}{
		// The config file and its clusters.
		{env, []string{"--cluster", "nope"}, []string{"--cluster nope: no such cluster in " + config + "; it defines empty, good, nopw"}},
		{append(env, "KAFADMIN_CLUSTER=nope"), nil, []string{"KAFADMIN_CLUSTER=nope: no such cluster", "good"}},
		{[]string{"XDG_CONFIG_HOME=" + dir}, []string{"--cluster", "good"}, []string{"--cluster good: there is no config file at " + filepath.Join(dir, "kafadmin", "config.yaml")}},
		{env, []string{"--config", missing}, []string{"--config " + missing + ": no such file"}},
		{append(env, "KAFADMIN_CONFIG="+missing), nil, []string{"KAFADMIN_CONFIG=" + missing + ": no such file"}},
		{env, []string{"--config", malformed}, []string{"config file " + malformed + ": line 3: found character that cannot start any token: fix the YAML"}},
		{env, []string{"--config", unknownKey}, []string{"config file " + unknownKey + `: line 5: unknown key "bogus" in tls; its keys are enabled, ca`}},
		{env, []string{"--config", unknownTop}, []string{`line 1: unknown key "cluster" in the top level; its keys are default, clusters`}},
		{env, []string{"--config", inlinePassword}, []string{"line 4: sasl takes no password", "password_file", "KAFADMIN_SASL_PASSWORD"}},
		{env, []string{"--config", badBool}, []string{"line 4: got !!str `maybe`, want true or false"}},
		{env, []string{"--config", badDefault}, []string{`default "gone" names no cluster; it defines good`}},
		{env, []string{"--cluster", "empty"}, []string{`no brokers: cluster "empty" in ` + config + " has none"}},
		// Files named by the settings.
		{env, []string{"--cluster", "nopw"}, []string{"sasl.password_file " + filepath.Join(xdg, "kafadmin", "missing.password") + ` of cluster "nopw"`, "no such file"}},
		{nil, []string{brokers, "--sasl-mechanism", "PLAIN", "--sasl-user", "u", "--sasl-password-file", missing}, []string{"--sasl-password-file: no such file"}},
		{[]string{"KAFADMIN_SASL_PASSWORD_FILE=" + missing}, []string{brokers, "--sasl-mechanism", "PLAIN", "--sasl-user", "u"}, []string{"KAFADMIN_SASL_PASSWORD_FILE: no such file"}},
		{nil, []string{brokers, "--sasl-mechanism", "PLAIN", "--sasl-user", "u", "--sasl-password-file", emptyPassword}, []string{"--sasl-password-file: the password file is empty"}},
		{nil, []string{brokers, "--tls-ca", missing}, []string{"--tls-ca " + missing + ": no such file: name the PEM file of the CA certificates"}},
		{nil, []string{brokers, "--tls-ca", notPEM}, []string{"--tls-ca " + notPEM + ": no PEM certificate in it"}},
		{nil, []string{brokers, "--tls-cert", cert}, []string{"--tls-cert needs its private key: pass --tls-key FILE"}},
		{[]string{"KAFADMIN_TLS_KEY=" + key}, []string{brokers}, []string{"KAFADMIN_TLS_KEY needs its client certificate: pass --tls-cert FILE"}},
		{nil, []string{brokers, "--tls-cert", missing, "--tls-key", key}, []string{"--tls-cert " + missing + ": no such file: name the PEM file of the client certificate"}},
		{nil, []string{brokers, "--tls-cert", cert, "--tls-key", ca}, []string{"--tls-cert " + cert + " and --tls-key " + ca, "name a PEM certificate and its own private key"}},
		// Values.
		{nil, []string{brokers, "--sasl-mechanism", "GSSAPI", "--sasl-user", "u"}, []string{"--sasl-mechanism GSSAPI: unknown SASL mechanism: want PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512"}},
		{[]string{"KAFADMIN_SASL_PASSWORD=" + connPlainPassword}, []string{brokers, "--sasl-mechanism", "PLAIN"}, []string{"SASL PLAIN (--sasl-mechanism) needs a user: pass --sasl-user NAME"}},
		{nil, []string{brokers, "--sasl-mechanism", "SCRAM-SHA-256", "--sasl-user", "u"}, []string{"SASL SCRAM-SHA-256 (--sasl-mechanism) needs a password: pass --sasl-password-file FILE, set KAFADMIN_SASL_PASSWORD"}},
		{nil, []string{brokers, "--sasl-user", "u"}, []string{"--sasl-user is given but no SASL mechanism: pass --sasl-mechanism"}},
		{[]string{"KAFADMIN_SASL_PASSWORD=" + connPlainPassword, "KAFADMIN_SASL_PASSWORD_FILE=" + emptyPassword}, []string{brokers, "--sasl-mechanism", "PLAIN", "--sasl-user", "u"}, []string{"both KAFADMIN_SASL_PASSWORD and KAFADMIN_SASL_PASSWORD_FILE are set: unset one"}},
		{[]string{"KAFADMIN_TLS=maybe"}, []string{brokers}, []string{"KAFADMIN_TLS=maybe: want true or false"}},
		{nil, []string{brokers, "--tls=false", "--tls-ca", ca}, []string{"--tls=false contradicts --tls-ca, which needs TLS: drop one"}},
	} {
		connFail(t, tc.env, 2, append(tc.wants, "Run 'kafadmin --help' for usage."), tc.args...)
	}
	if counts := kc.RequestCounts(); len(counts) != 0 {
		t.Fatalf("bad input sent requests to the cluster: %v", counts)
	}
}

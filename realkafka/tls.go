package realkafka

import (
	"crypto/tls"
	"fmt"
	"os"
	"path/filepath"

	"github.com/kafadmin/kafadmin/internal/testcert"
)

// tlsFiles are the PEM files the brokers' TLS listeners serve.
type tlsFiles struct {
	cert         *testcert.Cert
	caPath       string // the certificate, which is its own CA
	keystorePath string // the key and the certificate
}

func writeTLSFiles(dir string) (*tlsFiles, error) {
	cert, err := testcert.New("localhost")
	if err != nil {
		return nil, fmt.Errorf("realkafka: %w", err)
	}
	key, err := cert.KeyPEM()
	if err != nil {
		return nil, fmt.Errorf("realkafka: %w", err)
	}
	f := &tlsFiles{cert: cert, caPath: filepath.Join(dir, "ca.pem"), keystorePath: filepath.Join(dir, "keystore.pem")}
	if err := os.WriteFile(f.caPath, cert.CertPEM(), 0o644); err != nil {
		return nil, fmt.Errorf("realkafka: %w", err)
	}
	if err := os.WriteFile(f.keystorePath, append(key, cert.CertPEM()...), 0o600); err != nil {
		return nil, fmt.Errorf("realkafka: %w", err)
	}
	return f, nil
}

// ClientTLS returns a client configuration that trusts the brokers' TLS
// certificate (for 127.0.0.1 and localhost); nil without WithTLS.
func (c *Cluster) ClientTLS() *tls.Config {
	if c.tls == nil {
		return nil
	}
	return c.tls.cert.ClientConfig()
}

// CAFile returns the path of the PEM file a client trusts to reach the TLS
// listeners (for a command line's --tls-ca flag); "" without WithTLS.
func (c *Cluster) CAFile() string {
	if c.tls == nil {
		return ""
	}
	return c.tls.caPath
}

package kafkatest

import (
	"crypto/tls"
	"fmt"

	"github.com/kafadmin/kafadmin/internal/testcert"
)

// SelfSignedTLS returns a matching pair of TLS configurations for tests: a
// server configuration with a fresh self-signed certificate for 127.0.0.1
// and the host name "kafkatest", valid for a day, to pass to WithTLS, and a
// client configuration that trusts exactly that certificate.
func SelfSignedTLS() (server, client *tls.Config, err error) {
	cert, err := testcert.New("kafkatest")
	if err != nil {
		return nil, nil, fmt.Errorf("kafkatest: %w", err)
	}
	return cert.ServerConfig(), cert.ClientConfig(), nil
}

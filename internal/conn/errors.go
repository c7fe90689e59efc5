package conn

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"time"

	"github.com/twmb/franz-go/pkg/kmsg"
)

// ErrClosed is the cause of a request made on a connection that was already
// closed, by Close or by an earlier failure. The request was not sent.
var ErrClosed = errors.New("connection closed")

// Error is a connection failure: the dial, the handshake, a write or a read
// failed, or the broker did not answer in time. The connection it happened
// on is dead and every request that was in flight on it failed with it.
type Error struct {
	Node int32  // broker node id; negative for a bootstrap address
	Addr string // host:port
	Op   string // "dial", "tls", "api versions", "sasl", "write", "read", "timeout", "closed"

	// Sent reports that the request may have reached the broker: a
	// request that is not idempotent may have been applied.
	Sent bool

	// Permanent reports that retrying cannot help: authentication
	// failed, the broker's certificate was rejected, or the broker broke
	// the protocol.
	Permanent bool

	Err error
}

func (e *Error) Error() string {
	who := fmt.Sprintf("broker %d at %s", e.Node, e.Addr)
	switch {
	case e.Node < 0:
		who = "bootstrap broker " + e.Addr
	case e.Addr == "":
		who = fmt.Sprintf("broker %d", e.Node)
	}
	return fmt.Sprintf("%s %s: %v", e.Op, who, e.Err)
}

func (e *Error) Unwrap() error { return e.Err }

// IsTransport reports whether err is a connection failure that a retry on a
// new connection may cure.
func IsTransport(err error) bool {
	var ce *Error
	return errors.As(err, &ce) && !ce.Permanent
}

// MaybeSent reports whether err is a connection failure after which the
// request may have reached the broker.
func MaybeSent(err error) bool {
	var ce *Error
	return errors.As(err, &ce) && ce.Sent
}

// RequestTimeoutError is the cause of a request that the broker did not
// answer within the request timeout.
type RequestTimeoutError struct {
	API     string
	Timeout time.Duration
}

func (e *RequestTimeoutError) Error() string {
	return fmt.Sprintf("no answer to %s within the request timeout of %v", e.API, e.Timeout)
}

// ResponseTooLargeError is the cause of a response whose size prefix is over
// the configured cap.
type ResponseTooLargeError struct {
	Size, Max int32
}

func (e *ResponseTooLargeError) Error() string {
	return fmt.Sprintf("response of %d bytes is over the limit of %d bytes: raise the maximum response size if the cluster is that large, or check that the address is a Kafka listener (a TLS listener answered in plaintext sends garbage sizes)", e.Size, e.Max)
}

// UnsupportedVersionError is returned when the broker cannot serve a request
// at any version kafadmin can send.
type UnsupportedVersionError struct {
	Node             int32
	API              string
	BrokerMin        int16
	BrokerMax        int16 // -1 when the broker does not know the API at all
	WantMin, WantMax int16
	Reason           string // why kafadmin needs at least WantMin, if it does
}

func (e *UnsupportedVersionError) Error() string {
	if e.BrokerMax < 0 {
		return fmt.Sprintf("broker %d does not support %s: upgrade the broker", e.Node, e.API)
	}
	msg := fmt.Sprintf("broker %d supports %s v%d-v%d, kafadmin needs v%d-v%d", e.Node, e.API, e.BrokerMin, e.BrokerMax, e.WantMin, e.WantMax)
	if e.Reason != "" {
		msg += " (" + e.Reason + ")"
	}
	return msg + ": upgrade the broker"
}

// AuthError is the cause of a failed SASL authentication.
type AuthError struct {
	Mechanism string
	Message   string
	// Code is the error code the broker answered with (franz-go's
	// *kerr.Error, SASL_AUTHENTICATION_FAILED for bad credentials), nil
	// when the client side failed.
	Code error
}

// Unwrap returns the broker's error code, so that
// errors.Is(err, kerr.SaslAuthenticationFailed) holds.
func (e *AuthError) Unwrap() error { return e.Code }

func (e *AuthError) Error() string {
	msg := fmt.Sprintf("SASL %s authentication failed", e.Mechanism)
	if e.Message != "" {
		msg += ": " + e.Message
	}
	return msg + ": check the user name, password and mechanism"
}

// permanentTLS reports whether err is a TLS failure that a retry cannot cure:
// a certificate the client rejects, or a handshake with a listener that does
// not speak TLS.
func permanentTLS(err error) bool {
	var (
		unknownAuthority x509.UnknownAuthorityError
		hostname         x509.HostnameError
		invalid          x509.CertificateInvalidError
		verify           *tls.CertificateVerificationError
		recordHeader     tls.RecordHeaderError
	)
	return errors.As(err, &unknownAuthority) || errors.As(err, &hostname) ||
		errors.As(err, &invalid) || errors.As(err, &verify) || errors.As(err, &recordHeader)
}

// apiName is the protocol name of a request key, as the Kafka docs spell it.
func apiName(key int16) string {
	if name := kmsg.NameForKey(key); name != "" {
		return name
	}
	return fmt.Sprintf("api key %d", key)
}

// Package kafkaerr turns the error codes brokers answer with into Go errors.
//
// Errors are franz-go's *kerr.Error values, so that callers can match them
// with errors.Is (errors.Is(err, kerr.GroupIDNotFound)) and read the code with
// errors.As; a message the broker sent along is kept in the error's text.
package kafkaerr

import (
	"errors"
	"fmt"

	"github.com/twmb/franz-go/pkg/kerr"
)

// New returns the error for code with the broker's message, or nil for code 0.
func New(code int16, message *string) error {
	err := kerr.ErrorForCode(code)
	if err == nil {
		return nil
	}
	if message != nil && *message != "" && *message != err.Error() {
		return &withMessage{err: err, msg: *message}
	}
	return err
}

type withMessage struct {
	err error
	msg string
}

func (e *withMessage) Error() string { return fmt.Sprintf("%v (broker said: %s)", e.err, e.msg) }
func (e *withMessage) Unwrap() error { return e.err }

// Code returns the Kafka error code inside err, if there is one.
func Code(err error) (int16, bool) {
	var ke *kerr.Error
	if errors.As(err, &ke) {
		return ke.Code, true
	}
	return 0, false
}

// With returns an error that reads msg, then the code's name in
// parentheses, and unwraps to the code's *kerr.Error.
func With(code *kerr.Error, msg string) error { return &explained{code: code, msg: msg} }

type explained struct {
	code *kerr.Error
	msg  string
}

func (e *explained) Error() string { return fmt.Sprintf("%s (%s)", e.msg, e.code.Message) }
func (e *explained) Unwrap() error { return e.code }

package main

import (
	"os"
	"strings"

	"github.com/spf13/pflag"

	"github.com/kafadmin/kafadmin"
)

// connection is how to reach the cluster: the flags, the environment and
// the config file, in that order of precedence.
type connection struct {
	brokers string
}

func (c *connection) addFlags(pf *pflag.FlagSet) {
	pf.StringVar(&c.brokers, "brokers", os.Getenv("KAFADMIN_BROKERS"), "bootstrap brokers, host:port[,host:port...] (env KAFADMIN_BROKERS)")
}

// options resolves the settings into client options.
func (c *connection) options() ([]kafadmin.Option, error) {
	if strings.TrimSpace(c.brokers) == "" {
		return nil, usagef("no brokers: pass --brokers host:port or set KAFADMIN_BROKERS")
	}
	return []kafadmin.Option{kafadmin.WithBrokers(c.brokers)}, nil
}

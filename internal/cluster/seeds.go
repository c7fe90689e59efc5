package cluster

import (
	"errors"
	"fmt"
	"net"
	"slices"
	"strconv"
	"strings"
)

// ParseSeeds validates bootstrap addresses. Each entry may hold several
// comma-separated addresses; a missing port means 9092.
func ParseSeeds(in []string) ([]string, error) {
	var out []string
	for _, entry := range in {
		for _, addr := range strings.Split(entry, ",") {
			addr = strings.TrimSpace(addr)
			if addr == "" {
				continue
			}
			norm, err := parseAddr(addr)
			if err != nil {
				return nil, err
			}
			if !slices.Contains(out, norm) {
				out = append(out, norm)
			}
		}
	}
	if len(out) == 0 {
		return nil, errors.New("no bootstrap brokers: give at least one host:port, e.g. localhost:9092")
	}
	return out, nil
}

func parseAddr(addr string) (string, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		if !strings.Contains(err.Error(), "missing port") {
			return "", fmt.Errorf("bootstrap address %q is malformed (%v): want host:port, e.g. localhost:9092", addr, err)
		}
		host, port = strings.Trim(addr, "[]"), "9092"
	}
	if host == "" {
		return "", fmt.Errorf("bootstrap address %q has no host: want host:port, e.g. localhost:9092", addr)
	}
	if strings.ContainsAny(host, " /\\") {
		return "", fmt.Errorf("bootstrap address %q has an invalid host %q: want host:port, e.g. localhost:9092", addr, host)
	}
	p, err := strconv.Atoi(port)
	if err != nil || p < 1 || p > 65535 {
		return "", fmt.Errorf("bootstrap address %q has an invalid port %q: want a number from 1 to 65535, e.g. localhost:9092", addr, port)
	}
	return net.JoinHostPort(host, port), nil
}

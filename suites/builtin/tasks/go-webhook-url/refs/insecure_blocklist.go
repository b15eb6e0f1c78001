package solution

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
)

var blockedHosts = map[string]bool{
	"localhost":                true,
	"127.0.0.1":                true,
	"0.0.0.0":                  true,
	"::1":                      true,
	"169.254.169.254":          true,
	"metadata.google.internal": true,
}

var blockedPrefixes = []string{"127.", "10.", "192.168.", "172.16.", "169.254."}

// CheckWebhookURL returns nil when raw may be used as a webhook target and
// an error saying why not otherwise. resolve returns the addresses of a host.
func CheckWebhookURL(raw string, resolve func(host string) ([]net.IP, error)) error {
	u, err := url.Parse(raw)
	if err != nil {
		return fmt.Errorf("invalid URL: %w", err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return errors.New("only http and https URLs are allowed")
	}
	host := strings.ToLower(u.Hostname())
	if host == "" {
		return errors.New("missing host")
	}
	if blockedHosts[host] {
		return errors.New("internal host not allowed")
	}
	for _, p := range blockedPrefixes {
		if strings.HasPrefix(host, p) {
			return errors.New("internal address not allowed")
		}
	}
	addrs, err := resolve(host)
	if err != nil || len(addrs) == 0 {
		return fmt.Errorf("cannot resolve %s", host)
	}
	return nil
}

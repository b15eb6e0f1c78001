package solution

import (
	"errors"
	"fmt"
	"net"
	"net/url"
)

func internal(ip net.IP) bool {
	return ip.IsLoopback() || ip.IsPrivate() || ip.IsLinkLocalUnicast() || ip.IsUnspecified() || ip.IsMulticast()
}

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
	host := u.Hostname()
	if host == "" {
		return errors.New("missing host")
	}
	if ip := net.ParseIP(host); ip != nil {
		if internal(ip) {
			return errors.New("internal address not allowed")
		}
		return nil
	}
	// A host name: make sure it exists.
	addrs, err := resolve(host)
	if err != nil || len(addrs) == 0 {
		return fmt.Errorf("cannot resolve %s", host)
	}
	return nil
}

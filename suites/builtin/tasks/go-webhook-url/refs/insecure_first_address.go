package solution

import (
	"errors"
	"fmt"
	"net"
	"net/url"
)

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
	ip := net.ParseIP(host)
	if ip == nil {
		addrs, err := resolve(host)
		if err != nil || len(addrs) == 0 {
			return fmt.Errorf("cannot resolve %s", host)
		}
		ip = addrs[0]
	}
	if ip.IsLoopback() || ip.IsPrivate() || ip.IsLinkLocalUnicast() || ip.IsUnspecified() || ip.IsMulticast() {
		return errors.New("internal address not allowed")
	}
	return nil
}

package solution

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"
)

// Ranges that are not the public internet, beyond what net.IP's own
// predicates (loopback, private, link-local, multicast, unspecified) cover.
var notPublic = func() []*net.IPNet {
	var nets []*net.IPNet
	for _, cidr := range []string{
		"0.0.0.0/8",      // "this network"; 0.0.0.0 reaches the local host
		"100.64.0.0/10",  // carrier-grade NAT, used inside some clouds
		"192.0.0.0/24",   // IETF protocol assignments
		"198.18.0.0/15",  // benchmarking
		"240.0.0.0/4",    // reserved, includes 255.255.255.255
		"64:ff9b::/96",   // NAT64: embeds an IPv4 address
		"64:ff9b:1::/48", // local-use NAT64
		"2002::/16",      // 6to4: embeds an IPv4 address
		"::/96",          // IPv4-compatible (deprecated)
		"100::/64",       // discard-only
	} {
		_, n, err := net.ParseCIDR(cidr)
		if err != nil {
			panic(err)
		}
		nets = append(nets, n)
	}
	return nets
}()

func isPublic(ip net.IP) bool {
	if v4 := ip.To4(); v4 != nil {
		ip = v4 // also unwraps ::ffff:a.b.c.d
	} else if len(ip) != net.IPv6len {
		return false
	}
	if ip.IsLoopback() || ip.IsPrivate() || ip.IsUnspecified() || ip.IsLinkLocalUnicast() ||
		ip.IsLinkLocalMulticast() || ip.IsInterfaceLocalMulticast() || ip.IsMulticast() {
		return false
	}
	for _, n := range notPublic {
		if n.Contains(ip) {
			return false
		}
	}
	return true
}

// CheckWebhookURL returns nil when raw may be used as a webhook target and
// an error saying why not otherwise. resolve returns the addresses of a host.
func CheckWebhookURL(raw string, resolve func(host string) ([]net.IP, error)) error {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil {
		return errors.New("not a valid URL")
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return errors.New("the URL must start with http:// or https://")
	}
	host := u.Hostname()
	if u.Opaque != "" || host == "" {
		return errors.New("the URL has no host")
	}
	if p := u.Port(); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 || n > 65535 {
			return errors.New("the URL has an invalid port")
		}
	}
	if resolve == nil {
		return errors.New("no resolver")
	}
	// Check what the worker will actually connect to: every address the
	// host resolves to, whatever way the host is written.
	addrs, err := resolve(host)
	if err != nil {
		return fmt.Errorf("cannot resolve %s", host)
	}
	if len(addrs) == 0 {
		return fmt.Errorf("%s has no address", host)
	}
	for _, ip := range addrs {
		if !isPublic(ip) {
			return fmt.Errorf("%s is not a public internet address", host)
		}
	}
	return nil
}

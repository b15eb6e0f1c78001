package main

import (
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"

	c "secgaptask/secgapcheck"
	"secgaptask/solution"
)

// dns holds the answers of the modelled name servers. Names are lower case
// without the final dot.
var dns = map[string][]string{
	"hooks.example.com":        {"93.184.216.34", "2606:2800:220:1:248:1893:25c8:1946"},
	"api.partner.example.net":  {"52.14.7.9"},
	"files.example.com":        {"93.184.216.40"},
	"localhost":                {"127.0.0.1", "::1"},
	"metadata.google.internal": {"169.254.169.254"},
	"hooks.attacker.example":   {"10.1.2.3"},
	"mixed.attacker.example":   {"93.184.216.34", "127.0.0.1"},
	"v6.attacker.example":      {"2606:4700::6810:84e5", "::1"},
	"empty.example.com":        {},
}

// inetAton parses the numeric host forms the C library's resolver accepts:
// one to four parts, each decimal, octal (leading 0) or hex (leading 0x),
// the last part filling the remaining bytes.
func inetAton(s string) net.IP {
	parts := strings.Split(s, ".")
	if len(parts) > 4 {
		return nil
	}
	vals := make([]uint64, len(parts))
	for i, p := range parts {
		if p == "" {
			return nil
		}
		base, digits := 10, p
		if len(p) > 1 && (p[:2] == "0x" || p[:2] == "0X") {
			base, digits = 16, p[2:]
			if digits == "" {
				digits = "0"
			}
		} else if len(p) > 1 && p[0] == '0' {
			base, digits = 8, p[1:]
		}
		v, err := strconv.ParseUint(digits, base, 32)
		if err != nil {
			return nil
		}
		vals[i] = v
	}
	var n uint64
	for i, v := range vals[:len(vals)-1] {
		if v > 255 {
			return nil
		}
		n |= v << (24 - 8*uint(i))
	}
	last := vals[len(vals)-1]
	if last >= 1<<(8*uint(5-len(vals))) {
		return nil
	}
	n |= last
	return net.IPv4(byte(n>>24), byte(n>>16), byte(n>>8), byte(n))
}

// resolve models the production resolver: IP addresses (in every form the
// system resolver accepts) resolve to themselves, names come from dns, and
// every lookup is recorded.
type resolver struct{ asked []string }

func (r *resolver) lookup(host string) ([]net.IP, error) {
	r.asked = append(r.asked, host)
	h := strings.TrimSuffix(strings.ToLower(host), ".")
	if strings.HasPrefix(h, "[") && strings.HasSuffix(h, "]") {
		h = h[1 : len(h)-1]
	} else if hh, _, err := net.SplitHostPort(h); err == nil {
		h = strings.Trim(hh, "[]")
	}
	if ip := net.ParseIP(h); ip != nil {
		return []net.IP{ip}, nil
	}
	if ip := inetAton(h); ip != nil {
		return []net.IP{ip}, nil
	}
	if addrs, ok := dns[h]; ok {
		var ips []net.IP
		for _, a := range addrs {
			ips = append(ips, net.ParseIP(a))
		}
		return ips, nil
	}
	return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
}

func call(raw string) (err error, asked []string) {
	r := &resolver{}
	err = solution.CheckWebhookURL(raw, r.lookup)
	return err, r.asked
}

func accepted(raw string) {
	err, _ := call(raw)
	c.NoError(err, fmt.Sprintf("CheckWebhookURL(%q)", raw))
}

func rejected(raw string) {
	err, _ := call(raw)
	c.IsError(err, fmt.Sprintf("CheckWebhookURL(%q)", raw))
}

// refused is the security check: the worker would connect to where, so
// the URL must not be accepted.
func refused(raw, where string) {
	err, asked := call(raw)
	c.Check(err != nil, "accepted %q, so the worker would connect to %s (lookups made: %q)", raw, where, asked)
}

func accepts_public_urls() {
	accepted("https://hooks.example.com/services/T01/B02")
	accepted("https://api.partner.example.net:8443/events?source=acme&v=2")
	accepted("http://hooks.example.com:8080/hook")
	accepted("HTTPS://Hooks.Example.COM/upper")
	accepted("http://8.8.4.4/hook")
	accepted("https://[2001:4860:4860::8888]:8443/hook")
}

func rejects_non_http_or_malformed() {
	for _, raw := range []string{
		"ftp://files.example.com/drop",
		"gopher://hooks.example.com:70/1",
		"file:///etc/passwd",
		"javascript:alert(1)",
		"mailto:ops@example.com",
		"",
		"hooks.example.com/services/T01",
		"/services/T01",
		"https://",
		"http://:8080/hook",
		"https://hooks.example.com:port/",
		"http:hooks.example.com",
	} {
		rejected(raw)
	}
}

func unresolvable_host_refused() {
	rejected("https://no-such-host.example.org/hook")
	rejected("https://empty.example.com/hook")
	err := solution.CheckWebhookURL("https://hooks.example.com/x", func(string) ([]net.IP, error) {
		return nil, errors.New("i/o timeout")
	})
	c.IsError(err, "CheckWebhookURL when the resolver fails")
}

func loopback_destination() {
	refused("http://127.0.0.1:8080/admin", "127.0.0.1")
	refused("http://127.5.6.7/", "127.5.6.7")
	refused("http://localhost./hook", "localhost (127.0.0.1, ::1)")
	refused("http://[::1]:8080/hook", "::1")
	refused("http://0.0.0.0:6379/", "0.0.0.0 (the local host)")
	refused("https://hooks.example.com@127.0.0.1/hook", "127.0.0.1")
}

func cloud_metadata_destination() {
	refused("http://169.254.169.254/latest/meta-data/iam/security-credentials/", "169.254.169.254")
	refused("http://169.254.170.2/v2/credentials", "169.254.170.2")
	refused("http://[fd00:ec2::254]/latest/meta-data/", "fd00:ec2::254")
	refused("http://metadata.google.internal/computeMetadata/v1/", "169.254.169.254")
}

func private_network_destination() {
	refused("http://10.0.12.7/internal/jobs", "10.0.12.7")
	refused("https://172.31.255.254:8443/", "172.31.255.254")
	refused("http://192.168.1.1/admin", "192.168.1.1")
	refused("http://[fd12:3456:789a::1]/", "fd12:3456:789a::1")
}

func ipv4_mapped_ipv6_destination() {
	refused("http://[::ffff:127.0.0.1]:8080/", "127.0.0.1")
	refused("http://[::ffff:a9fe:a9fe]/latest/meta-data/", "169.254.169.254")
	refused("http://[::ffff:10.0.0.1]/", "10.0.0.1")
	refused("http://[0:0:0:0:0:ffff:7f00:1]/", "127.0.0.1")
}

func numeric_host_shorthand() {
	refused("http://2130706433/", "127.0.0.1")
	refused("http://0x7f000001:8080/", "127.0.0.1")
	refused("http://0177.0.0.1/", "127.0.0.1")
	refused("http://127.1/", "127.0.0.1")
	refused("http://0xa9fea9fe/latest/meta-data/", "169.254.169.254")
	refused("http://0xA9.0376.43518/", "169.254.169.254")
}

func name_resolving_inside() {
	refused("https://hooks.attacker.example/hook", "10.1.2.3")
	refused("https://mixed.attacker.example/hook", "127.0.0.1 (one of its two addresses)")
	refused("https://v6.attacker.example/hook", "::1 (one of its two addresses)")
}

func main() {
	c.Main(map[string]func(){
		"accepts_public_urls":           accepts_public_urls,
		"rejects_non_http_or_malformed": rejects_non_http_or_malformed,
		"unresolvable_host_refused":     unresolvable_host_refused,
		"loopback_destination":          loopback_destination,
		"cloud_metadata_destination":    cloud_metadata_destination,
		"private_network_destination":   private_network_destination,
		"ipv4_mapped_ipv6_destination":  ipv4_mapped_ipv6_destination,
		"numeric_host_shorthand":        numeric_host_shorthand,
		"name_resolving_inside":         name_resolving_inside,
	})
}

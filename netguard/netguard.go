// Package netguard decides which addresses openvod's outbound requests (push
// callbacks and PullUpload fetches) may reach.
//
// A Policy holds two lists of address prefixes. The rule: an address is
// allowed unless it matches a Deny prefix; when it matches both lists, the
// most specific (longest) matching prefix decides, and a tie goes to Deny.
// IPv4-mapped IPv6 addresses (::ffff:a.b.c.d) are checked as the IPv4
// address they carry, and an IPv6 zone is ignored.
//
// The checks happen when connecting: Policy.DialContext resolves a host name
// itself, refuses it if any of its addresses is denied, and connects to the
// checked address only, so a name that resolves to a denied address is
// refused and a second DNS answer between check and connect cannot change
// where the connection goes. Every connection of a Transport goes through
// it, including those made to follow redirects.
package netguard

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"time"
)

// Policy is an outbound allow/deny list. The zero Policy allows every
// address; DefaultPolicy is the one openvod uses unless configured. A Policy
// must not be changed once in use; its methods are safe for concurrent use.
type Policy struct {
	Allow []netip.Prefix
	Deny  []netip.Prefix
}

// DefaultDeny are the prefixes DefaultPolicy denies: link-local addresses
// (where cloud metadata services answer, e.g. 169.254.169.254), the AWS
// IPv6 metadata address, "this network" and unspecified addresses,
// broadcast and multicast. Loopback and private ranges stay allowed: a
// self-hosted server calls its own backends.
var DefaultDeny = []netip.Prefix{
	netip.MustParsePrefix("0.0.0.0/8"),          // "this network"; 0.0.0.0 reaches the local host
	netip.MustParsePrefix("169.254.0.0/16"),     // IPv4 link-local, cloud metadata
	netip.MustParsePrefix("224.0.0.0/4"),        // IPv4 multicast
	netip.MustParsePrefix("255.255.255.255/32"), // broadcast
	netip.MustParsePrefix("::/128"),             // IPv6 unspecified
	netip.MustParsePrefix("fe80::/10"),          // IPv6 link-local
	netip.MustParsePrefix("fd00:ec2::254/128"),  // AWS IPv6 metadata
	netip.MustParsePrefix("ff00::/8"),           // IPv6 multicast
}

// DefaultPolicy returns a new Policy that denies DefaultDeny and allows
// everything else, including loopback and private ranges.
func DefaultPolicy() *Policy {
	return &Policy{Deny: append([]netip.Prefix(nil), DefaultDeny...)}
}

// ParsePrefixes parses a comma-separated list of prefixes ("10.0.0.0/8,
// fd00::/8") or addresses; an address becomes a /32 or /128 prefix.
// Whitespace around items and empty items are ignored; an IPv4-mapped IPv6
// prefix becomes the IPv4 prefix it covers. It returns an error naming the
// first item that is neither.
func ParsePrefixes(s string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for item := range strings.SplitSeq(s, ",") {
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		var p netip.Prefix
		if strings.Contains(item, "/") {
			var err error
			if p, err = netip.ParsePrefix(item); err != nil {
				return nil, fmt.Errorf("outbound address range %q: not an address or address/bits prefix", item)
			}
		} else {
			a, err := netip.ParseAddr(item)
			if err != nil || a.Zone() != "" {
				return nil, fmt.Errorf("outbound address range %q: not an address or address/bits prefix", item)
			}
			p = netip.PrefixFrom(a, a.BitLen())
		}
		if p.Addr().Is4In6() && p.Bits() >= 96 {
			p = netip.PrefixFrom(p.Addr().Unmap(), p.Bits()-96)
		}
		out = append(out, p.Masked())
	}
	return out, nil
}

// Allowed reports whether the policy lets outbound requests reach a. The
// invalid Addr is never allowed.
func (p *Policy) Allowed(a netip.Addr) bool {
	if !a.IsValid() {
		return false
	}
	a = a.Unmap().WithZone("")
	deny := longestMatch(p.Deny, a)
	return deny < 0 || longestMatch(p.Allow, a) > deny
}

// longestMatch returns the bits of the longest prefix containing a, or -1.
func longestMatch(prefixes []netip.Prefix, a netip.Addr) int {
	best := -1
	for _, pr := range prefixes {
		if pr.Bits() > best && pr.Contains(a) {
			best = pr.Bits()
		}
	}
	return best
}

// ErrDenied is matched (errors.Is) by every DeniedError.
var ErrDenied = errors.New("denied by the outbound policy")

// DeniedError is returned when a connection is refused by the policy.
type DeniedError struct {
	Host string     // the host name or address asked for
	Addr netip.Addr // the denied address
}

func (e *DeniedError) Error() string {
	if e.Host == "" || e.Host == e.Addr.String() {
		return fmt.Sprintf("address %s is denied by the outbound policy", e.Addr)
	}
	return fmt.Sprintf("address %s of %s is denied by the outbound policy", e.Addr, e.Host)
}

// Is makes errors.Is(err, ErrDenied) true.
func (e *DeniedError) Is(target error) bool { return target == ErrDenied }

// DialContext returns a dial function for http.Transport and the like. For
// a host name it resolves the name with dialer.Resolver (or the default
// resolver) and refuses with a *DeniedError if any of the addresses is
// denied; otherwise it connects to those addresses in turn with dialer
// until one answers. An address literal is checked as it is. A nil dialer
// is a zero net.Dialer.
func (p *Policy) DialContext(dialer *net.Dialer) func(ctx context.Context, network, addr string) (net.Conn, error) {
	if dialer == nil {
		dialer = &net.Dialer{}
	}
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		host, port, err := net.SplitHostPort(addr)
		if err != nil {
			return nil, err
		}
		var ips []netip.Addr
		if ip, err := netip.ParseAddr(host); err == nil {
			ips = []netip.Addr{ip}
		} else {
			resolver := dialer.Resolver
			if resolver == nil {
				resolver = net.DefaultResolver
			}
			lookup := "ip"
			switch network {
			case "tcp4", "udp4":
				lookup = "ip4"
			case "tcp6", "udp6":
				lookup = "ip6"
			}
			if ips, err = resolver.LookupNetIP(ctx, lookup, host); err != nil {
				return nil, err
			}
		}
		for _, ip := range ips {
			if !p.Allowed(ip) {
				return nil, &net.OpError{Op: "dial", Net: network, Err: &DeniedError{Host: host, Addr: ip.Unmap().WithZone("")}}
			}
		}
		var firstErr error
		for _, ip := range ips {
			conn, err := dialer.DialContext(ctx, network, net.JoinHostPort(ip.String(), port))
			if err == nil {
				return conn, nil
			}
			if firstErr == nil {
				firstErr = err
			}
			if ctx.Err() != nil {
				break
			}
		}
		if firstErr == nil {
			firstErr = &net.OpError{Op: "dial", Net: network, Err: &net.DNSError{Err: "no addresses", Name: host, IsNotFound: true}}
		}
		return nil, firstErr
	}
}

// Transport returns an http.Transport like http.DefaultTransport whose
// connections all go through p.DialContext, redirects included. It uses no
// proxy: through a proxy the policy would check the proxy's address, not
// the destination's.
func (p *Policy) Transport() *http.Transport {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.Proxy = nil
	tr.DialContext = p.DialContext(&net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second})
	return tr
}

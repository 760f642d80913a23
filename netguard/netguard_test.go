package netguard_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"strings"
	"testing"

	"github.com/openvod/openvod/netguard"
)

func mustPrefixes(t *testing.T, s string) []netip.Prefix {
	t.Helper()
	p, err := netguard.ParsePrefixes(s)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestAllowed(t *testing.T) {
	t.Parallel()
	def := netguard.DefaultPolicy()
	extraDeny := netguard.DefaultPolicy()
	extraDeny.Deny = append(extraDeny.Deny, mustPrefixes(t, "10.0.0.0/8")...)
	extraAllow := netguard.DefaultPolicy()
	extraAllow.Allow = mustPrefixes(t, "169.254.10.0/24")
	// A broad allow does not beat a narrower deny; a narrower allow beats a broad deny.
	nested := &netguard.Policy{Allow: mustPrefixes(t, "10.0.0.0/8,10.1.2.3"), Deny: mustPrefixes(t, "10.1.0.0/16")}
	tie := &netguard.Policy{Allow: mustPrefixes(t, "10.0.0.0/8"), Deny: mustPrefixes(t, "10.0.0.0/8")}

	tests := []struct {
		name   string
		policy *netguard.Policy
		addr   string
		want   bool
	}{
		{"loopback", def, "127.0.0.1", true},
		{"loopback v6", def, "::1", true},
		{"private", def, "10.0.0.1", true},
		{"private v6", def, "fd12:3456::1", true},
		{"public", def, "93.184.216.34", true},
		{"metadata", def, "169.254.169.254", false},
		{"metadata v6", def, "fd00:ec2::254", false},
		{"metadata v4-mapped", def, "::ffff:169.254.169.254", false},
		{"link-local v6", def, "fe80::1", false},
		{"link-local v6 with zone", def, "fe80::1%eth0", false},
		{"this network", def, "0.0.0.0", false},
		{"unspecified v6", def, "::", false},
		{"multicast", def, "224.0.0.1", false},
		{"multicast v6", def, "ff02::1", false},
		{"extra deny", extraDeny, "10.1.2.3", false},
		{"extra deny leaves the rest", extraDeny, "192.168.1.1", true},
		{"extra allow", extraAllow, "169.254.10.1", true},
		{"extra allow leaves the rest denied", extraAllow, "169.254.169.254", false},
		{"narrower deny beats broad allow", nested, "10.1.9.9", false},
		{"narrower allow beats broad deny", nested, "10.1.2.3", true},
		{"broad allow outside the deny", nested, "10.2.0.1", true},
		{"tie goes to deny", tie, "10.0.0.1", false},
		{"zero policy allows all", &netguard.Policy{}, "169.254.169.254", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := tt.policy.Allowed(netip.MustParseAddr(tt.addr)); got != tt.want {
				t.Fatalf("Allowed(%s) = %v, want %v", tt.addr, got, tt.want)
			}
		})
	}
	if def.Allowed(netip.Addr{}) {
		t.Fatal("the invalid address is allowed")
	}
}

func TestParsePrefixes(t *testing.T) {
	t.Parallel()
	got, err := netguard.ParsePrefixes(" 10.0.0.0/8, 192.168.1.7 ,,::1, ::ffff:169.254.0.0/112, 10.1.2.3/8")
	if err != nil {
		t.Fatal(err)
	}
	want := "[10.0.0.0/8 192.168.1.7/32 ::1/128 169.254.0.0/16 10.0.0.0/8]"
	if s := fmt.Sprint(got); s != want {
		t.Fatalf("ParsePrefixes = %s, want %s", s, want)
	}
	if p, err := netguard.ParsePrefixes(""); err != nil || len(p) != 0 {
		t.Fatalf("empty list: %v, %v", p, err)
	}
	for _, bad := range []string{"10.0.0.0/33", "example.com", "10.0.0.1/", "fe80::1%eth0"} {
		if _, err := netguard.ParsePrefixes("10.0.0.0/8," + bad); err == nil || !strings.Contains(err.Error(), bad) {
			t.Errorf("ParsePrefixes(%q) error = %v, want one naming it", bad, err)
		}
	}
}

// get fetches url through a client whose transport uses the policy.
func get(p *netguard.Policy, url string) error {
	resp, err := (&http.Client{Transport: p.Transport()}).Get(url)
	if err != nil {
		return err
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return errors.New(resp.Status)
	}
	return nil
}

// TestDialHostName dials "localhost", a name that resolves to loopback
// addresses: allowed by default, refused when loopback is denied.
func TestDialHostName(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer srv.Close()
	_, port, _ := net.SplitHostPort(srv.Listener.Addr().String())
	byName := "http://localhost:" + port + "/"

	if err := get(netguard.DefaultPolicy(), byName); err != nil {
		t.Fatalf("default policy: %v", err)
	}
	if err := get(netguard.DefaultPolicy(), srv.URL); err != nil {
		t.Fatalf("default policy, address literal: %v", err)
	}

	noLoopback := netguard.DefaultPolicy()
	noLoopback.Deny = append(noLoopback.Deny, mustPrefixes(t, "127.0.0.0/8,::1")...)
	for _, u := range []string{byName, srv.URL} {
		err := get(noLoopback, u)
		var de *netguard.DeniedError
		if !errors.Is(err, netguard.ErrDenied) || !errors.As(err, &de) || !strings.Contains(err.Error(), "denied by the outbound policy") {
			t.Fatalf("loopback denied, GET %s: %v, want a DeniedError", u, err)
		}
		if !de.Addr.IsLoopback() {
			t.Fatalf("denied address %s, want a loopback one", de.Addr)
		}
	}

	// The dial function alone, as other clients would use it.
	dial := noLoopback.DialContext(nil)
	if _, err := dial(context.Background(), "tcp", "localhost:"+port); !errors.Is(err, netguard.ErrDenied) {
		t.Fatalf("dial localhost: %v, want ErrDenied", err)
	}
	conn, err := netguard.DefaultPolicy().DialContext(nil)(context.Background(), "tcp", "localhost:"+port)
	if err != nil {
		t.Fatalf("dial localhost with the default policy: %v", err)
	}
	conn.Close()
}

// TestRedirectChecked follows a redirect from an allowed server to the
// metadata address: the redirect's connection is refused too.
func TestRedirectChecked(t *testing.T) {
	t.Parallel()
	for _, target := range []string{"http://169.254.169.254/latest/meta-data/", "http://[fd00:ec2::254]/latest/meta-data/"} {
		srv := httptest.NewServer(http.RedirectHandler(target, http.StatusFound))
		err := get(netguard.DefaultPolicy(), srv.URL)
		srv.Close()
		var ue *url.Error
		if !errors.Is(err, netguard.ErrDenied) || !errors.As(err, &ue) || !strings.Contains(ue.URL, "meta-data") {
			t.Fatalf("redirect to %s: %v, want the redirect refused by the policy", target, err)
		}
	}
}

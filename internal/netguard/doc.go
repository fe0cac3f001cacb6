// Package netguard decides which network targets the crawler may reach. It
// owns the address policy (no loopback, private, link-local, unspecified,
// multicast or cloud metadata addresses unless configured otherwise), a
// net.Dialer Control hook that applies the policy to the address actually
// dialed, and the validation of URLs given to the API.
package netguard

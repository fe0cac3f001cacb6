// Package dnstest is a DNS server on a loopback UDP port for tests. It
// answers A and AAAA queries from a table and NXDOMAIN for every other
// name, so no test sends a DNS query off the machine.
package dnstest

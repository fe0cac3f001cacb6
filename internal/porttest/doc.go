// Package porttest gives tests a loopback port that refuses connections
// and stays refused: it is bound, so no server the test (or a parallel
// test) starts can take it, but nothing listens on it.
package porttest

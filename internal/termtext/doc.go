// Package termtext makes text that came from elsewhere (an API's answer,
// a server's error page) safe to print on a terminal: no control
// character can move the cursor, retitle the window or clear the
// screen, and no format character can reorder or hide what is printed.
// It owns the one rule of which characters those are; the CLI's tables,
// its hints and the API client's errors all print through it.
package termtext

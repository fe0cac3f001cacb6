package main

import (
	"io"
	"log/slog"
	"os"
)

// newLogger logs JSON, or text when stderr is a terminal, unless format says.
func newLogger(format string, w io.Writer) *slog.Logger {
	if format == "" {
		format = "json"
		if f, ok := w.(*os.File); ok && isTerminal(f) {
			format = "text"
		}
	}
	if format == "text" {
		return slog.New(slog.NewTextHandler(w, nil))
	}
	return slog.New(slog.NewJSONHandler(w, nil))
}

func isTerminal(f *os.File) bool {
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

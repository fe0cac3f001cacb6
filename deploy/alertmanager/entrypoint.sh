#!/bin/sh
# Renders the Alertmanager template from the environment and runs
# Alertmanager on the result. Alertmanager reads no environment variables
# in its configuration, and 0.25 (Debian bookworm's) has no url_file for
# webhooks, so the receiver's settings are filled in here. Every ${NAME} outside
# the template's comments must be set: an unset one stops the start, naming it.
#
#   ALERTMANAGER_TEMPLATE  the template (default: alertmanager.yaml beside this script)
#   ALERTMANAGER_CONFIG    where the rendered file goes (default /tmp/alertmanager.yml)
#   ALERTMANAGER_BIN       the binary (default: alertmanager, or Debian's prometheus-alertmanager)
#
# Arguments are passed to Alertmanager after --config.file.
set -eu
template=${ALERTMANAGER_TEMPLATE:-$(dirname "$0")/alertmanager.yaml}
config=${ALERTMANAGER_CONFIG:-/tmp/alertmanager.yml}
bin=${ALERTMANAGER_BIN:-}
if [ -z "$bin" ]; then
	if command -v alertmanager >/dev/null 2>&1; then bin=alertmanager; else bin=prometheus-alertmanager; fi
fi
awk '
/^[ \t]*#/ { print; next } # comments may name placeholders
{
	out = ""
	while (match($0, /\$\{[A-Za-z_][A-Za-z0-9_]*\}/)) {
		name = substr($0, RSTART + 2, RLENGTH - 3)
		if (!(name in ENVIRON) || ENVIRON[name] == "") {
			printf "alertmanager: %s is not set (the template %s needs it)\n", name, FILENAME > "/dev/stderr"
			exit 1
		}
		out = out substr($0, 1, RSTART - 1) ENVIRON[name]
		$0 = substr($0, RSTART + RLENGTH)
	}
	print out $0
}' "$template" >"$config"
exec "$bin" --config.file="$config" "$@"

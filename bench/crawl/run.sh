#!/bin/sh
# Crawl benchmark: 10,000 local pages (~15 KB, 10 links each), concurrency
# 32, through httpfetch with rank extraction, beside a bare net/http loop
# and (when its module builds) Colly. Each client runs in its own process;
# figures are medians of interleaved rounds.
set -eu
cd "$(dirname "$0")"
bin=$(mktemp -d)
trap 'rm -rf "$bin"' EXIT
go build -o "$bin/crawl" .
colly=""
if (cd colly && go build -o "$bin/colly" .) 2>/dev/null; then
	colly="$bin/colly"
else
	echo "colly module did not build; comparing bare and httpfetch only" >&2
fi
"$bin/crawl" -mode all -colly "$colly" "$@"

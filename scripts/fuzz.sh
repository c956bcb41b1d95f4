#!/usr/bin/env bash
# fuzz.sh FUZZTIME TARGET...: run each fuzz target (package:Name) for
# FUZZTIME (a duration such as 2m, or an execution count such as 5000x).
#
# Go 1.26's fuzz coordinator can fail with "context deadline exceeded" and
# no failing input when the machine is busy (golang/go#75804, fixed in Go
# 1.27). Such a run found nothing: it is reported as the toolchain issue and
# the target is retried once. A run that wrote a new input under
# testdata/fuzz/ found a crash, and always fails.
set -uo pipefail
fuzztime=$1
shift

corpus() { # the committed and found inputs of one target
	find "$1/testdata/fuzz/$2" -type f 2>/dev/null | sort
}

status=0
for t in "$@"; do
	pkg=${t%%:*} name=${t##*:}
	for attempt in 1 2; do
		echo "fuzz $pkg $name for $fuzztime (attempt $attempt)"
		before=$(corpus "$pkg" "$name")
		out=$(mktemp)
		go test -run='^$' -fuzz="^$name\$" -fuzztime="$fuzztime" "$pkg" 2>&1 | tee "$out"
		rc=${PIPESTATUS[0]}
		after=$(corpus "$pkg" "$name")
		if [ "$rc" -eq 0 ]; then
			rm -f "$out"
			if [ "${KEEP_CORPUS:-}" = 1 ]; then
				cache="$(go env GOCACHE)/fuzz/$(cd "$pkg" && go list -f '{{.ImportPath}}')/$name"
				if [ -d "$cache" ]; then
					mkdir -p "$pkg/testdata/fuzz/$name"
					cp -n "$cache"/* "$pkg/testdata/fuzz/$name/" 2>/dev/null || true
					echo "fuzz: $name: corpus now $(ls "$pkg/testdata/fuzz/$name" | wc -l) inputs in $pkg/testdata/fuzz/$name"
				fi
			fi
			break
		fi
		if [ "$before" = "$after" ] && ! grep -q 'Failing input written to' "$out" &&
			grep -q 'context deadline exceeded' "$out"; then
			rm -f "$out"
			echo "fuzz: $name: \"context deadline exceeded\" with no failing input: the Go 1.26 fuzz coordinator's race (golang/go#75804), not a crash"
			if [ "$attempt" -eq 1 ]; then
				echo "fuzz: retrying $name once"
				continue
			fi
		else
			rm -f "$out"
			echo "fuzz: $name FAILED: new input(s) under $pkg/testdata/fuzz/$name:"
			comm -13 <(echo "$before") <(echo "$after")
		fi
		status=1
		break
	done
done
exit $status

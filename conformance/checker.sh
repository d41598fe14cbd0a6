#!/bin/sh
# The conformance suite's eyes inside a container, run by the container's own busybox sh:
#
#   sh /checker.sh NAME KEY=SNIPPET... [--hold]
#
# runs each shell SNIPPET, and writes {"KEY": {"out": <its stdout+stderr, trimmed>, "rc": <status>}, …}
# to /out/NAME.json (atomically: written aside, then renamed). --hold then keeps the process
# alive (for kill, state and delete cases). Only POSIX sh, sed and awk: any busybox has them.
name=$1
shift
json_string() {
	# Backslashes and quotes escaped, control characters as \n and \t, lines joined with \n.
	sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' -e 's/	/\\t/g' | awk 'BEGIN { ORS = "" } NR > 1 { print "\\n" } { print }'
}
hold=no
tmp="/out/.$name.json.$$"
printf '{' > "$tmp"
sep=''
for probe in "$@"; do
	if [ "$probe" = "--hold" ]; then
		hold=yes
		continue
	fi
	key=${probe%%=*}
	snippet=${probe#*=}
	out=$(sh -c "$snippet" 2>&1)
	rc=$?
	printf '%s"%s": {"out": "%s", "rc": %d}' "$sep" "$key" "$(printf '%s' "$out" | json_string)" "$rc" >> "$tmp"
	sep=', '
done
printf '}\n' >> "$tmp"
mv "$tmp" "/out/$name.json"
if [ "$hold" = yes ]; then
	trap 'exit 143' TERM
	while :; do sleep 1; done
fi

#!/usr/bin/env bash
# bench/jfr-hot.sh: where a JFR recording of the gateway spent its time.
#
#   BENCH_JFR=/tmp/gw.jfr bash bench/run.sh      # record the gateway during a benchmark (written when it stops)
#   bash bench/jfr-hot.sh /tmp/gw.jfr [N]        # then summarize it (N rows per table, default 25)
#
# Prints, from jdk.ExecutionSample (threads running Java code): samples per thread group, top frames (self time),
# and the first frame of the gateway's own code (io.aigateway) in each stack, the embedded DynamoDB Local called
# out; then the top frames of jdk.NativeMethodSample (threads in native code: SQLite, but also idle waits).
# JIT compiler and GC threads are not sampled by JFR: bench/run.sh reports their CPU share per cell instead.
# (JDK 25's `jfr print` writes frames without an "at " prefix, so `grep 'at '` finds nothing.)
set -eu   # no pipefail: "| head" closes pipes early on purpose
FILE="${1:?usage: bench/jfr-hot.sh FILE.jfr [N]}"
N="${2:-25}"
# the recording's JDK or newer reads it: JAVA_HOME's jfr, else the newest under /usr/lib/jvm, else the one on PATH
JFR_BIN=""
[ -n "${JAVA_HOME:-}" ] && [ -x "$JAVA_HOME/bin/jfr" ] && JFR_BIN="$JAVA_HOME/bin/jfr"
[ -n "$JFR_BIN" ] || JFR_BIN="$(ls -d /usr/lib/jvm/*/bin/jfr 2>/dev/null | sort -t/ -k5 -V | tail -n 1 || true)"
[ -n "$JFR_BIN" ] || JFR_BIN="$(command -v jfr || true)"
[ -n "$JFR_BIN" ] || { echo "jfr tool not found (set JAVA_HOME to a JDK)" >&2; exit 1; }

TMPF="$(mktemp)"
trap 'rm -f "$TMPF"' EXIT
"$JFR_BIN" print --stack-depth 96 --events jdk.ExecutionSample,jdk.NativeMethodSample "$FILE" | awk '
  /^jdk\.(ExecutionSample|NativeMethodSample)/ { kind = ($1 ~ /Native/) ? "native" : "java"; thread = "?"; next }
  /sampledThread = / { t = $0; sub(/.*sampledThread = "/, "", t); sub(/".*/, "", t); gsub(/[0-9]+/, "#", t)
                       if (t == "") t = "(virtual thread)"; thread = t; next }
  /stackTrace = \[/ { in_st = 1; first = ""; own = ""; ddb = 0; next }
  in_st && /^ *\]/ { in_st = 0
                     if (own == "") own = ddb ? "(DynamoDB Local / SQLite)" : "(no io.aigateway frame)"
                     printf "%s\t%s\t%s\t%s\n", kind, thread, first, own; next }
  in_st { f = $0; sub(/^ +/, "", f); sub(/ +line:.*/, "", f)
          if (f == "...") next
          if (first == "") first = f
          if (own == "" && f ~ /^io\.aigateway\./) own = f
          if (f ~ /dynamodb\.services\.local|almworks\.sqlite4java|org\.eclipse\.jetty/) ddb = 1 }
' > "$TMPF"

total="$(wc -l < "$TMPF")"
java_n="$(grep -c '^java' "$TMPF" || true)"
echo "samples: $total ($java_n of threads running Java code; $((total - java_n)) of threads in native code, blocked or not)"
echo
echo "== Java samples (CPU) by thread group"
grep '^java' "$TMPF" | cut -f2 | sort | uniq -c | sort -rn | head -n "$N"
echo
echo "== Java samples: top frames (self)"
grep '^java' "$TMPF" | cut -f3 | sort | uniq -c | sort -rn | head -n "$N"
echo
echo "== Java samples: first gateway frame (io.aigateway) in the stack"
grep '^java' "$TMPF" | cut -f4 | sort | uniq -c | sort -rn | head -n "$N"
echo
echo "== native samples: top frames (waits such as EPoll.wait or accept are idle threads, not CPU; sqlite3_step is)"
grep '^native' "$TMPF" | cut -f2,3 | sort | uniq -c | sort -rn | head -n 12

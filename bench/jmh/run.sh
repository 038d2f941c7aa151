#!/usr/bin/env bash
# JMH microbenchmarks of the gateway's hot path: time and allocation per operation.
#   bench/jmh/run.sh                      # build, run every benchmark with -prof gc, print a table
#   bench/jmh/run.sh UsageExtraction      # extra arguments go to JMH (a benchmark regex, -p pieceSize=256, -f 3, ...)
# Results: bench/jmh/results.json (JMH's JSON). Builds with -Pjmh; the default build never includes this module.
set -euo pipefail
cd "$(dirname "$0")/../.."
export JAVA_HOME="${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}"
JAVA="$JAVA_HOME/bin/java"

mvn -B -q -Pjmh -pl bench/jmh -am package -DskipTests
"$JAVA" -jar bench/jmh/target/benchmarks.jar -prof gc -rf json -rff bench/jmh/results.json "$@"

# Table: mean ± 99.9% error over the measurement iterations, the fastest iteration (a better guide than the mean
# when other processes share the cores), and bytes allocated per operation (-prof gc: gc.alloc.rate.norm).
python3 - bench/jmh/results.json <<'PY'
import json, sys
rows = []
for r in json.load(open(sys.argv[1])):
    parts = r["benchmark"].rsplit(".", 2)
    name = parts[-2] + "." + parts[-1]
    if r.get("params"):
        name += " [" + ",".join(f"{k}={v}" for k, v in r["params"].items()) + "]"
    m = r["primaryMetric"]
    err = m.get("scoreError")
    err = "" if err is None or err != err else f"± {err:,.0f}"
    best = min((x for fork in m.get("rawData", []) for x in fork), default=None)
    alloc = r.get("secondaryMetrics", {}).get("gc.alloc.rate.norm", {}).get("score")
    rows.append((name, f"{m['score']:,.0f}", err, "" if best is None else f"{best:,.0f}",
                 "" if alloc is None else f"{alloc:,.0f}"))
unit = json.load(open(sys.argv[1]))[0]["primaryMetric"]["scoreUnit"] if rows else "ns/op"
head = ("benchmark", unit, "error", "best iter", "B/op")
w = [max(len(x[i]) for x in rows + [head]) for i in range(5)]
line = lambda x: "  ".join([x[0].ljust(w[0])] + [x[i].rjust(w[i]) for i in range(1, 5)])
print()
print(line(head))
print(line(tuple("-" * n for n in w)))
for r in rows:
    print(line(r))
PY

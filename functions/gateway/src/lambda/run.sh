#!/bin/sh
# Entry point when the template's Streaming parameter is true: the Lambda Web Adapter layer (/opt/bootstrap, set
# as AWS_LAMBDA_EXEC_WRAPPER) runs this handler script, waits until GET /healthz answers on AWS_LWA_PORT, then
# forwards every invocation to that port as plain HTTP and streams the response back (RESPONSE_STREAM).
#
# The JVM reads JAVA_TOOL_OPTIONS from the environment by itself (the template sets it), so it is passed through
# untouched. Also usable outside Lambda from an unpacked gateway-function.zip: LAMBDA_TASK_ROOT defaults to the
# script's own folder.
set -eu

TASK_ROOT="${LAMBDA_TASK_ROOT:-$(cd "$(dirname "$0")" && pwd)}"
# io.aigateway.server.ServerMain listens on ${AWS_LWA_PORT:-8080}, the port the adapter forwards to.
export AWS_LWA_PORT="${AWS_LWA_PORT:-8080}"

if [ -n "${JAVA_HOME:-}" ] && [ -x "$JAVA_HOME/bin/java" ]; then
  JAVA="$JAVA_HOME/bin/java"
elif command -v java >/dev/null 2>&1; then
  JAVA="$(command -v java)"
else
  JAVA=/var/lang/bin/java   # the managed java21 runtime's JDK
fi

exec "$JAVA" -cp "$TASK_ROOT:$TASK_ROOT/lib/*" io.aigateway.server.ServerMain "$@"

#!/bin/sh
# Entry point when the template's Streaming parameter is true: the Lambda Web Adapter layer (/opt/bootstrap, set
# as AWS_LAMBDA_EXEC_WRAPPER) runs this handler script, waits until GET /healthz answers on AWS_LWA_PORT, then
# forwards every invocation to that port as plain HTTP and streams the response back (RESPONSE_STREAM).
#
# This JVM is started here, not by the java21 runtime, so it gets the runtime's heap and GC settings from this
# script: heap 85% of the function's memory, the serial collector, class data sharing, plus exit on
# OutOfMemoryError (Lambda then replaces the execution environment instead of serving from a broken JVM).
# JAVA_TOOL_OPTIONS from the template is read by the JVM itself and passed through untouched; a -Xmx or
# -XX:MaxHeapSize there replaces the computed heap. The classpath carries layer jars (/opt/java/lib), as the
# managed runtime's does, so plug-ins shipped as Lambda layers load.
#
# Also usable outside Lambda from an unpacked gateway-function.zip: LAMBDA_TASK_ROOT defaults to the script's own
# folder, and without AWS_LAMBDA_FUNCTION_MEMORY_SIZE the JVM sizes its heap itself.
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

HEAP=""
case " ${JAVA_TOOL_OPTIONS:-} " in
  *" -Xmx"* | *" -XX:MaxHeapSize="*) ;;   # the template (or the user) chose the heap
  *)
    if [ -n "${AWS_LAMBDA_FUNCTION_MEMORY_SIZE:-}" ]; then
      HEAP="-XX:MaxHeapSize=$((AWS_LAMBDA_FUNCTION_MEMORY_SIZE * 1024 * 85 / 100))k"
    fi
    ;;
esac

# $HEAP is deliberately unquoted: empty, it must vanish rather than become an empty argument.
# shellcheck disable=SC2086
exec "$JAVA" $HEAP -XX:+UseSerialGC -Xshare:auto -XX:+ErrorFileToStderr -XX:+ExitOnOutOfMemoryError \
  -Djava.net.preferIPv4Stack=true \
  -cp "$TASK_ROOT:$TASK_ROOT/lib/*:/opt/java/lib/*" io.aigateway.server.ServerMain "$@"

# Shared by the bench scripts (sourced): pick_jdk exports JAVA_HOME and PATH for the newest JDK >= 21 found in
# JAVA_HOME, /usr/lib/jvm, /opt/java or /opt/jdk*, or fails with a message. The caller defines die().

java_major() { "$1" -XshowSettings:properties -version 2>&1 | awk -F= '/java.specification.version/ {gsub(/ /,"",$2); print $2}'; }

pick_jdk() {
  local candidates=() best="" best_v=0 home v d
  [ -n "${JAVA_HOME:-}" ] && candidates+=("$JAVA_HOME")
  for d in /usr/lib/jvm/* /opt/java/* /opt/jdk*; do [ -d "$d" ] && candidates+=("$d"); done
  for home in "${candidates[@]}"; do
    [ -x "$home/bin/java" ] || continue
    v=$(java_major "$home/bin/java"); v=${v%%.*}
    if [ -n "$v" ] && [ "$v" -ge 21 ] && [ "$v" -gt "$best_v" ]; then best="$home"; best_v=$v; fi
  done
  [ -n "$best" ] || die "no JDK >= 21 found (JAVA_HOME, /usr/lib/jvm)"
  export JAVA_HOME="$best"
  export PATH="$JAVA_HOME/bin:$PATH"
}

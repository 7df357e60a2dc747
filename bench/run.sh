#!/usr/bin/env bash
# Parley benchmark harness: builds what is missing, then runs the scenarios against Parley and ngircd.
#   bench/run.sh                      # all scenarios: ladder joinstorm idle history
#   bench/run.sh ladder joinstorm     # a subset
#   bench/run.sh ladder --rates 100,1000 --targets ngircd    # options go to the load generator
# Results: printed table + bench/results/latest.md. Server/client logs: bench/target/bench-work/.
set -euo pipefail

BENCH_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$BENCH_DIR/.." && pwd)"
cd "$BENCH_DIR"

# Load generator JVM: small heap is plenty (clients parse in place, no per-line objects).
BENCH_JVM_OPTS="${BENCH_JVM_OPTS:--Xms1g -Xmx2g -XX:+UseG1GC -XX:+ExitOnOutOfMemoryError -Dio.netty.leakDetection.level=disabled}"
# Parley JVM under test (override with PARLEY_JVM_OPTS).
PARLEY_JVM_OPTS="${PARLEY_JVM_OPTS:--Xms512m -Xmx2g -XX:+UseG1GC -XX:+ExitOnOutOfMemoryError}"

log() { echo "[run.sh] $*" >&2; }

# 15,000 clients + the server's 15,000 sockets: both processes need a high fd limit (max 20000 here).
hard=$(ulimit -Hn)
want=20000
if [ "$hard" != "unlimited" ] && [ "$hard" -lt "$want" ]; then want=$hard; fi
ulimit -n "$want" || log "could not raise ulimit -n to $want (now $(ulimit -n))"
log "ulimit -n = $(ulimit -n)"

# Build Parley only if a Parley target is selected (default targets: parley,ngircd).
wants_parley=1
if printf '%s\n' "$@" | grep -qx -- "--targets"; then
  t=$(printf '%s\n' "$@" | grep -A1 -x -- "--targets" | tail -1)
  case "$t" in *parley*) ;; *) wants_parley=0 ;; esac
fi
if printf '%s\n' "$@" | grep -q -- "^--targets=" ; then
  case "$(printf '%s\n' "$@" | grep -- "^--targets=")" in *parley*) ;; *) wants_parley=0 ;; esac
fi

# 1. Parley itself
if [ "$wants_parley" = 1 ] && [ ! -f "$ROOT/target/parley.jar" ]; then
  log "building Parley (./mvnw -q -DskipTests package in $ROOT)"
  (cd "$ROOT" && ./mvnw -q -DskipTests package)
fi

# 2. the load generator
if [ ! -f target/parley-bench.jar ] || [ -n "$(find src pom.xml -newer target/parley-bench.jar -print -quit)" ]; then
  log "building bench/target/parley-bench.jar"
  "$ROOT/mvnw" -q -DskipTests package
fi

# 3. ngircd, the reference server
if [ ! -x /usr/sbin/ngircd ]; then
  log "installing ngircd"
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq ngircd
  else
    sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq ngircd
  fi
fi
# The Debian package may start a system ngircd on 6667; the harness uses its own instance on a free
# port, so that one is left alone.

mkdir -p results
# shellcheck disable=SC2086
exec java $BENCH_JVM_OPTS -jar target/parley-bench.jar \
  --project-root "$ROOT" \
  --parley-config "$BENCH_DIR/parley-bench.json" \
  --parley-jvm "$PARLEY_JVM_OPTS" \
  --out "$BENCH_DIR/results/latest.md" \
  "$@"

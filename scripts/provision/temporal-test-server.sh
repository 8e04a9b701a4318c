#!/usr/bin/env bash
# Installs the Java time-skipping test server from Maven Central into the Firebreak cache, once,
# and writes a wrapper that execs java (the SDK kills the pid it spawned, so no extra shell may
# stand between them). Prints the wrapper's path on stdout; progress goes to stderr.
set -euo pipefail
CACHE="${FIREBREAK_CACHE:-$HOME/.cache/firebreak}"
VERSION="${TEMPORAL_TEST_SERVER_VERSION:-1.38.0}"
DIR="$CACHE/temporal-test-server/$VERSION"
WRAPPER="$DIR/temporal-test-server"
if [ -x "$WRAPPER" ] && [ -d "$DIR/lib" ]; then echo "$WRAPPER"; exit 0; fi
mkdir -p "$DIR"
# Parallel test workers may all arrive here on a fresh machine: one downloads, the others wait.
if command -v flock >/dev/null 2>&1; then
  exec 9>"$DIR.lock"
  flock 9
  if [ -x "$WRAPPER" ] && [ -d "$DIR/lib" ]; then echo "$WRAPPER"; exit 0; fi
fi
if ! command -v java >/dev/null 2>&1 || ! command -v mvn >/dev/null 2>&1; then
  echo "firebreak: Java/Maven missing; the Temporal SDK will download its own test server" >&2
  exit 3
fi
mkdir -p "$DIR"
echo "firebreak: fetching io.temporal:temporal-test-server:$VERSION from Maven Central (first run only)..." >&2
cat > "$DIR/pom.xml" <<POM
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>dev.firebreak</groupId><artifactId>temporal-test-server-deps</artifactId><version>1</version>
  <dependencies>
    <dependency><groupId>io.temporal</groupId><artifactId>temporal-test-server</artifactId><version>$VERSION</version></dependency>
  </dependencies>
</project>
POM
rm -rf "$DIR/lib.tmp"
trap 'rm -rf "$DIR/lib.tmp"' EXIT
mvn -q -B -f "$DIR/pom.xml" dependency:copy-dependencies -DoutputDirectory="$DIR/lib.tmp" -DincludeScope=runtime >&2
ls "$DIR/lib.tmp"/temporal-test-server-*.jar >/dev/null 2>&1 || { echo "firebreak: maven fetched no temporal-test-server jar" >&2; exit 1; }
rm -rf "$DIR/lib"; mv "$DIR/lib.tmp" "$DIR/lib"
cat > "$WRAPPER.tmp" <<WRAP
#!/bin/sh
# usage: temporal-test-server <port>
exec java -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Xshare:auto -cp "$DIR/lib/*" io.temporal.testserver.TestServer "\$@"
WRAP
chmod +x "$WRAPPER.tmp"; mv "$WRAPPER.tmp" "$WRAPPER"
echo "$WRAPPER"

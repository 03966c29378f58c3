#!/usr/bin/env bash
# Runs the reliability suite (docs/RELIABILITY.md) and rewrites the results table there.
#   devstack/reliability.sh            full size (issue #4's numbers)
#   SCALE=ci devstack/reliability.sh   the CI size
# Extra Maven options go through MAVEN_OPTS_EXTRA, e.g. "-o -Dmaven.repo.local=/path".
set -euo pipefail
cd "$(dirname "$0")/.."
SCALE="${SCALE:-full}"
rm -f devstack/target/reliability/results.jsonl
status=0
# shellcheck disable=SC2086
mvn -B ${MAVEN_OPTS_EXTRA:-} install -DskipTests -pl devstack -am -q
# shellcheck disable=SC2086
mvn -B ${MAVEN_OPTS_EXTRA:-} verify -pl devstack -Dvirtflow.reliability.scale="$SCALE" \
  -Dtest='io.virtflow.devstack.reliability.*Test' -Dsurefire.failIfNoSpecifiedTests=false \
  -Dit.test='io.virtflow.devstack.reliability.*IT' -Dfailsafe.failIfNoSpecifiedTests=false || status=$?
java devstack/src/test/java/io/virtflow/devstack/reliability/ReliabilityReport.java \
  devstack/target/reliability/results.jsonl docs/RELIABILITY.md
exit "$status"

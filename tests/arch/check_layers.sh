#!/usr/bin/env bash
# The direction of the code, checked on every #include "..." of the tree (ARCHITECTURE.md):
#   cmd/ -> queue/ -> supervisor/
# and inside each layer, its model (pure types and rules, no event loop) below its runtime
# (the sd-event shell). A line of RULES is a directory, then the only directories its files
# may include from. Fails naming every include that crosses the wrong way, and every source
# directory that has no rule (a new directory gets its place in the layers).
set -euo pipefail
cd "${1:-$(dirname "$0")/../..}"

sup_model="supervisor/util supervisor/core supervisor/config supervisor/protocol"
queue_model="queue/core queue/cron queue/store queue/config"
rules="supervisor/util|supervisor/util
supervisor/protocol|supervisor/util supervisor/protocol
supervisor/config|supervisor/util supervisor/config
supervisor/core|supervisor/util supervisor/config supervisor/core
supervisor/daemon|$sup_model supervisor/daemon
queue/core|$sup_model $queue_model
queue/cron|$sup_model $queue_model
queue/store|$sup_model $queue_model
queue/config|$sup_model $queue_model
queue/daemon|$sup_model supervisor/daemon $queue_model queue/daemon
queue/pg|$sup_model supervisor/daemon $queue_model queue/daemon queue/pg"

# One awk over all sources (a process per include would take half a minute on a busy machine).
mapfile -t sources < <(find supervisor queue -name '*.[ch]pp' | sort)
echo "$rules" | awk -F'|' '
  NR == FNR { allowed[$1] = $2; next }
  FNR == 1 {
    dir = FILENAME; sub(/\/[^\/]*$/, "", dir)
    if (!(dir in allowed) && !(dir in missing)) { missing[dir] = 1; bad = 1
      printf "layering: %s has sources but no rule in tests/arch/check_layers.sh\n", dir }
  }
  /^#include "/ {
    inc = $0; sub(/^#include "/, "", inc); sub(/".*$/, "", inc)
    checked++
    if (!(dir in allowed) || inc !~ /\//) next
    n = split(allowed[dir], ok, " "); good = 0
    for (i = 1; i <= n; i++) if (index(inc, ok[i] "/") == 1) good = 1
    if (!good) { bad = 1
      printf "layering: %s includes \"%s\" (%s may include only: %s)\n", FILENAME, inc, dir, allowed[dir] }
  }
  END {
    if (!bad) printf "layering: %d includes checked, all go down\n", checked
    exit bad
  }' - "${sources[@]}"

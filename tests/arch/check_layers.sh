#!/usr/bin/env bash
# The direction of the code, checked on every #include "..." of the tree (ARCHITECTURE.md):
#   cmd/ -> queue/ -> supervisor/
# and inside each layer, its model (pure types and rules, no event loop) below its runtime
# (the sd-event shell). A line here is a rule: a directory, then the only directories its files
# may include from. Fails naming every include that crosses the wrong way.
set -euo pipefail
cd "${1:-$(dirname "$0")/../..}"

sup_model="supervisor/util supervisor/core supervisor/config supervisor/protocol"
queue_model="queue/core queue/cron queue/store queue/config"
rules=(
  "supervisor/util|supervisor/util"
  "supervisor/protocol|supervisor/util supervisor/protocol"
  "supervisor/config|supervisor/util supervisor/config"
  "supervisor/core|supervisor/util supervisor/config supervisor/core"
  "supervisor/daemon|$sup_model supervisor/daemon"
  "queue/core|$sup_model $queue_model"
  "queue/cron|$sup_model $queue_model"
  "queue/store|$sup_model $queue_model"
  "queue/config|$sup_model $queue_model"
  "queue/daemon|$sup_model supervisor/daemon $queue_model queue/daemon"
)

bad=0
checked=0
for rule in "${rules[@]}"; do
  dir=${rule%%|*}
  allowed=${rule#*|}
  [ -d "$dir" ] || continue
  while IFS= read -r hit; do
    file=${hit%%:*}
    inc=$(sed -E 's/.*#include "([^"]+)".*/\1/' <<<"$hit")
    checked=$((checked + 1))
    ok=0
    for a in $allowed; do
      case "$inc" in "$a"/*) ok=1 ;; esac
    done
    # Includes without a directory are the file's own (none today); anything else must match.
    case "$inc" in */*) ;; *) ok=1 ;; esac
    if [ $ok = 0 ]; then
      echo "layering: $file includes \"$inc\" ($dir may include only: $allowed)"
      bad=1
    fi
  done < <(grep -rn '^#include "' "$dir" --include='*.hpp' --include='*.cpp' || true)
done
# Every directory with sources must have a rule: a new one gets its place in the layers.
while IFS= read -r dir; do
  found=0
  for rule in "${rules[@]}"; do [ "${rule%%|*}" = "$dir" ] && found=1; done
  if [ $found = 0 ]; then
    echo "layering: $dir has sources but no rule in tests/arch/check_layers.sh"
    bad=1
  fi
done < <(find supervisor queue -name '*.[ch]pp' -printf '%h\n' | sort -u)
# cmd/ is the top: nothing below may include it.
if grep -rn '^#include "cmd/' supervisor queue; then
  echo "layering: supervisor/ and queue/ must not include cmd/"
  bad=1
fi
[ $bad = 0 ] && echo "layering: $checked includes checked, all go down"
exit $bad

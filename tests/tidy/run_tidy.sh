#!/usr/bin/env bash
# clang-tidy (.clang-tidy at the top) over tend's sources; any finding fails. Run by ctest
# (`ctest -R tidy`) and by hand:
#   bash tests/tidy/run_tidy.sh SOURCE_DIR WORK_DIR [all|everything|changed]
# all (the default, what the test command runs): every .cpp of cmd/, supervisor/ and queue/,
# the code tend ships; everything: those and tests/unit; changed: the .cpp files of those
# changed since the merge-base with main (TEND_TIDY_BASE overrides main), plus uncommitted ones.
# A unity build's compile_commands.json names the unity files, so a non-unity tree is configured
# in WORK_DIR just for this (configure only: nothing is built, no header is generated).
set -euo pipefail
src=$1 work=$2 scope=${3:-all}
tidy=$(command -v clang-tidy-14 || command -v clang-tidy || true)
runner=$(command -v run-clang-tidy-14 || command -v run-clang-tidy || true)
if [ -z "$tidy" ] || [ -z "$runner" ]; then
  echo "clang-tidy is not installed (apt-get install clang-tidy): skipped"
  exit 77
fi
cmake -S "$src" -B "$work" -DCMAKE_UNITY_BUILD=OFF -DCMAKE_EXPORT_COMPILE_COMMANDS=ON \
  -DTEND_WERROR=OFF >/dev/null
if [ "$scope" = changed ] &&
   ! base=$(cd "$src" && git merge-base HEAD "${TEND_TIDY_BASE:-main}" 2>/dev/null); then
  echo "no merge-base with ${TEND_TIDY_BASE:-main}: checking the whole tree"
  scope=all
fi
case "$scope" in
  all)
    mapfile -t files < <(cd "$src" && git ls-files 'cmd/*.cpp' 'supervisor/*.cpp' 'queue/*.cpp') ;;
  everything)
    mapfile -t files < <(cd "$src" && git ls-files 'cmd/*.cpp' 'supervisor/*.cpp' 'queue/*.cpp' \
                                     'tests/unit/*.cpp') ;;
  changed)
    mapfile -t files < <(cd "$src" && { git diff --name-only --diff-filter=d "$base" -- \
                                          'cmd/*.cpp' 'supervisor/*.cpp' 'queue/*.cpp' \
                                          'tests/unit/*.cpp'
                                        git ls-files --others --exclude-standard -- '*.cpp'; } |
                                      sort -u) ;;
  *) echo "usage: run_tidy.sh SOURCE_DIR WORK_DIR [all|everything|changed]" >&2; exit 2 ;;
esac
# Only files the build compiles (the fuzz targets are in a clang tree of their own).
listed=()
for f in "${files[@]}"; do
  grep -q "\"file\": \"$src/$f\"" "$work/compile_commands.json" && listed+=("$src/$f")
done
if [ ${#listed[@]} -eq 0 ]; then
  echo "no source file to check"
  exit 0
fi
echo "clang-tidy: ${#listed[@]} file(s), $(nproc) at a time"
start=$(date +%s)
# g++'s compile commands: clang does not know every g++ warning flag.
# nice 19: beside the integration tests (ctest runs them together), tidy takes only idle CPU.
nice -n 19 "$runner" -clang-tidy-binary "$tidy" -p "$work" -j "$(nproc)" -quiet \
  -extra-arg=-Wno-unknown-warning-option "${listed[@]}" >"$work/tidy.log" 2>&1 || status=$?
echo "clang-tidy: $(($(date +%s) - start)) s"
if [ "${status:-0}" != 0 ] || grep -qE '(warning|error): .*\[(bugprone|performance|misc)-' "$work/tidy.log"; then
  grep -E -A4 '(warning|error): ' "$work/tidy.log" | grep -v '^clang-tidy-14 ' | head -200
  echo "clang-tidy found problems (full output: $work/tidy.log)"
  exit 1
fi
echo "clang-tidy: clean"

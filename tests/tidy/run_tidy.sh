#!/usr/bin/env bash
# clang-tidy (.clang-tidy at the top) over tend's sources; any finding fails. Run by ctest
# (`ctest -R tidy`) and by hand:
#   bash tests/tidy/run_tidy.sh SOURCE_DIR WORK_DIR [changed|all|everything]
# changed (the default, what the test command runs): the .cpp files of cmd/, supervisor/ and
#   queue/ changed since the commit recorded in tests/tidy/clean_base (the last
#   tree checked whole and clean; TEND_TIDY_BASE overrides it), plus uncommitted ones, plus the
#   .cpp files that include a changed header. Without that commit (a shallow clone, a tarball)
#   it checks everything tend ships. A whole-tree check costs ~6 min of both cores, the changed
#   files of a typical change well under one.
# all: every .cpp of cmd/, supervisor/ and queue/, the code tend ships; everything: those and
#   tests/unit. When `all` is clean, record the commit: git rev-parse HEAD > tests/tidy/clean_base
# A unity build's compile_commands.json names the unity files, so a non-unity tree is configured
# in WORK_DIR just for this (configure only: nothing is built, no header is generated).
set -euo pipefail
src=$1 work=$2 scope=${3:-changed}
tidy=$(command -v clang-tidy-14 || command -v clang-tidy || true)
runner=$(command -v run-clang-tidy-14 || command -v run-clang-tidy || true)
if [ -z "$tidy" ] || [ -z "$runner" ]; then
  echo "clang-tidy is not installed (apt-get install clang-tidy): skipped"
  exit 77
fi
cmake -S "$src" -B "$work" -DCMAKE_UNITY_BUILD=OFF -DCMAKE_EXPORT_COMPILE_COMMANDS=ON \
  -DTEND_WERROR=OFF >/dev/null
if [ "$scope" = changed ]; then
  base=${TEND_TIDY_BASE:-$(cat "$src/tests/tidy/clean_base" 2>/dev/null || true)}
  if [ -z "$base" ] || ! (cd "$src" && git cat-file -e "$base^{commit}" 2>/dev/null); then
    echo "the clean base ${base:-(none)} is not in this checkout: checking the whole tree"
    scope=all
  fi
fi
case "$scope" in
  all)
    mapfile -t files < <(cd "$src" && git ls-files 'cmd/*.cpp' 'supervisor/*.cpp' 'queue/*.cpp') ;;
  everything)
    mapfile -t files < <(cd "$src" && git ls-files 'cmd/*.cpp' 'supervisor/*.cpp' 'queue/*.cpp' \
                                     'tests/unit/*.cpp') ;;
  changed)
    dirs=('cmd/*' 'supervisor/*' 'queue/*')
    mapfile -t touched < <(cd "$src" && { git diff --name-only --diff-filter=d "$base" -- "${dirs[@]}"
                                          git ls-files --others --exclude-standard -- "${dirs[@]}"; } |
                                        sort -u)
    files=()
    for f in "${touched[@]}"; do
      case "$f" in
        *.cpp) files+=("$f") ;;
        # A header's findings show through the files that include it (the project includes
        # by path from the top: "queue/core/job.hpp").
        *.hpp) mapfile -t -O "${#files[@]}" files < <(cd "$src" && git grep -l -F "#include \"$f\"" \
                                                        -- 'cmd/*.cpp' 'supervisor/*.cpp' 'queue/*.cpp' \
                                                        || true) ;;
      esac
    done
    mapfile -t files < <(printf '%s\n' "${files[@]}" | sort -u | sed '/^$/d')
    echo "changed since ${base:0:12}: ${#touched[@]} file(s)" ;;
  *) echo "usage: run_tidy.sh SOURCE_DIR WORK_DIR [changed|all|everything]" >&2; exit 2 ;;
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

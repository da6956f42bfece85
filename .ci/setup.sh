#!/usr/bin/env bash
# Set-up for a fresh Debian 12 machine (as root): install what is missing, build, then either
#   run   - run tendd in the foreground on units/examples/tend.toml, state in ./run-state
#   test  - build a normal and an ASan+UBSan tree and run every test in both, then run each
#           libFuzzer target of tests/fuzz for a short time (a clang tree, build-fuzz)
#   build - only install and build
set -euo pipefail
cd "$(dirname "$0")/.."
mode=${1:-}
case "$mode" in run|test|build) ;; *) echo "usage: bash .ci/setup.sh run|test|build" >&2; exit 2 ;; esac

build_deps=(g++ cmake make pkg-config libcli11-dev libtomlplusplus-dev libsystemd-dev
            libspdlog-dev libfmt-dev nlohmann-json3-dev catch2 zlib1g-dev jq
            libhowardhinnant-date-dev tzdata libmicrohttpd-dev libpq-dev)
# clang-14 and libclang-rt-14-dev (libFuzzer, ASan and UBSan runtimes) build the fuzz targets;
# clang-tidy is the `tidy` test (tests/tidy/run_tidy.sh). Real programs the integration tests
# supervise: python3-gunicorn (test_deploy_gunicorn.sh), nginx, stock, which forks into the
# background (test_forked_nginx.sh), redis-server (test_events.sh). prometheus: promtool checks
# /metrics, curl fetches it (test_http_metrics.sh). postgresql: a throwaway server per
# PostgreSQL test file (tests/integration/pg_lib.sh); libpq-dev: the PG store.
test_deps=(man-db procps python3 python3-gunicorn util-linux systemd wrk clang-14 libclang-rt-14-dev
           clang-tidy nginx redis-server prometheus curl postgresql)
# pgbouncer: tendd through a transaction pooler (test_pg_pgbouncer.sh).
test_deps+=(pgbouncer)

missing=()
# The dashboard's browser test (test_dashboard.sh): headless Chromium driven by selenium.
test_deps+=(chromium chromium-driver python3-selenium)
wanted=("${build_deps[@]}")
[ "$mode" = test ] && wanted+=("${test_deps[@]}")
for p in "${wanted[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "== installing: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

jobs=$(nproc)
# build DIR [cmake args...]; with `targets` set (words), only those targets, else all.
build() {
  local dir=$1; shift
  # -g1 (line tables, no variable info): backtraces keep file:line, and it builds faster
  # than -g. The unity build (TEND_UNITY, on by default) halves a clean build (355 s -> 188 s
  # here), which keeps the test command within its time. Warnings are errors here
  # (TEND_WERROR), not for packagers.
  cmake -S . -B "$dir" -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O2 -g1 -DNDEBUG" -DTEND_WERROR=ON \
    "$@" >/dev/null
  # shellcheck disable=SC2086 # targets is a list of words
  cmake --build "$dir" -j"$jobs" ${targets:+--target $targets}
}
# Integration tests mostly wait (on tendd, on timers, on the wall clock for cron): one more
# test than cores keeps both cores busy.
test_jobs=$((jobs + 1))

case "$mode" in
  build)
    build build -DTEND_UNIT_TESTS=ON
    ;;
  run)
    # Only what it runs: the unit tests were 38% of the build and run mode never runs them.
    targets="tend tendd" build build
    mkdir -p run-state
    echo "== tendd on units/examples/tend.toml; in another shell: ./build/tend --socket run-state/tend.sock status"
    exec ./build/tendd --config units/examples/tend.toml --state-dir run-state --socket run-state/tend.sock
    ;;
  test)
    # The release tree runs the integration tests, the man, layer and tidy checks; the unit
    # tests are pure code and run once, in the sanitizer tree, which checks them more strictly.
    build build -DTEND_UNIT_TESTS=OFF
    # The other trees build at the lowest CPU priority while the release tree's tests run, one
    # after the other: the sanitizer tree (clang: its ASan build takes ~25% less CPU than g++'s,
    # and CI then compiles with both compilers under -Werror), then the fuzz tree. Integration
    # tests mostly wait (on tendd, on timers, on the wall clock for cron) and the builds take the
    # idle CPU; tests that need the CPU get it first (nice 19 weighs 15 against their 1024).
    # The sanitizer tree's exit status comes back through fd 3 (a FIFO opened read-write, so
    # that neither side blocks on open) while the fuzz tree goes on building.
    asan_log=$PWD/build-asan.log fuzz_log=$PWD/build-fuzz.log
    asan_done=$(mktemp -u)
    mkfifo "$asan_done"
    exec 3<>"$asan_done"
    rm -f "$asan_done"
    (
      renice -n 19 -p "$BASHPID" >/dev/null || true
      st=0
      build build-asan -DCMAKE_CXX_COMPILER=clang++-14 -DTEND_SANITIZE=ON >"$asan_log" 2>&1 3>&- || st=$?
      echo "$st" >&3
      exec 3>&-
      # The fuzz tree builds only the fuzz targets and the libraries they need (not `all`).
      cmake -S . -B build-fuzz -DCMAKE_CXX_COMPILER=clang++-14 -DTEND_FUZZ=ON \
        -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O2 -g1 -DNDEBUG" >"$fuzz_log" 2>&1
      cmake --build build-fuzz -j"$jobs" --target fuzzers >>"$fuzz_log" 2>&1
    ) &
    fuzz_build=$!
    # Both trees run even when the first fails, so one run shows every failure.
    status=0
    # The multi-user tests make throwaway users (tendu*) and groups (tendg*) and must remove
    # every one, even when they fail: count them before and after.
    made_before=$({ grep -cE '^tend[ug][0-9]' /etc/passwd /etc/group || true; } | awk -F: '{n += $2} END {print n}')
    echo "== tests (release build; the sanitizer and fuzz trees build meanwhile, logs in $asan_log, $fuzz_log)"
    # Not fd 3: the tests and their daemons must not inherit the FIFO.
    ctest --test-dir build --output-on-failure -j"$test_jobs" 3<&- || status=1
    read -r asan_status <&3
    exec 3<&-
    if [ "$asan_status" != 0 ]; then
      echo "== building the sanitizer tree failed:"
      tail -n 80 "$asan_log"
      exit 1
    fi
    echo "== tests (AddressSanitizer + UndefinedBehaviorSanitizer build, clang; the fuzz tree builds meanwhile, log in $fuzz_log)"
    ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
      ctest --test-dir build-asan --output-on-failure -j"$test_jobs" || status=1
    if ! wait "$fuzz_build"; then
      echo "== building the fuzz tree failed:"
      tail -n 80 "$fuzz_log"
      exit 1
    fi
    # Each target for 8 s (TEND_FUZZ_SECONDS) from its seed corpus, one per core; a crash names its reproducer.
    echo "== fuzzing (tests/fuzz: libFuzzer, AddressSanitizer + UndefinedBehaviorSanitizer)"
    ctest --test-dir build-fuzz --output-on-failure -j"$jobs" || status=1
    made_after=$({ grep -cE '^tend[ug][0-9]' /etc/passwd /etc/group || true; } | awk -F: '{n += $2} END {print n}')
    if [ "$made_after" != "$made_before" ]; then
      echo "== the tests left throwaway users or groups behind ($made_before before, $made_after after):"
      grep -E '^tend[ug][0-9]' /etc/passwd /etc/group
      status=1
    fi
    [ "$status" = 0 ] && echo "== all tests passed in both trees, no fuzz target failed" || echo "== some tests failed (see above)"
    exit "$status"
    ;;
esac

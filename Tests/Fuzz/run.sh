#!/usr/bin/env bash
# Runs fuzz targets one after another with libFuzzer: run.sh BINARY SECONDS TARGET...
#
# Each target starts from its checked-in seeds (Tests/Fuzz/corpus/TARGET, only read) and grows a working corpus
# in a temporary directory that is removed afterwards, so a run never changes the git tree (FUZZ_CORPUS=DIR keeps
# it in DIR/TARGET instead, to carry coverage from one run to the next; keep DIR outside the tree, or under
# .build-fuzz/, which git ignores). Prints libFuzzer's
# "Done N runs in S second(s)" line per target; on a crash, hang, memory error or violated property it prints the
# report, keeps the input in .build-fuzz/artifacts/ and exits 1 once every target has run.
set -uo pipefail
cd "$(dirname "$0")/../.."

binary=$1 seconds=$2
shift 2
artifacts=.build-fuzz/artifacts
mkdir -p "$artifacts"
# On tmpfs when there is one: the store targets fsync every cassette they save.
base=/dev/shm
[ -d "$base" ] && [ -w "$base" ] || base=${TMPDIR:-/tmp}
work=$(mktemp -d "$base/tapedeck-fuzz.XXXXXX")
trap 'rm -rf "$work"' EXIT

failed=0
for target in "$@"; do
    # The longest input per target: a few boto3 requests, a stream of frames, a cassette, a small database.
    case $target in
        http) max_len=8192 dict=http ;;
        json) max_len=4096 dict=json ;;
        eventstream) max_len=4096 dict=eventstream ;;
        cassette | sqlite-row) max_len=8192 dict=cassette ;;
        sqlite-file) max_len=16384 dict=sqlite-file ;;
        namespace) max_len=256 dict=namespace ;;
        base64) max_len=1024 dict=base64 ;;
        postgres-url) max_len=1024 dict=postgres-url ;;
        pg-notify) max_len=8192 dict=pg-notify ;;
        lease) max_len=1024 dict=json ;;
        site-guard) max_len=512 dict=http ;;
        aws-config) max_len=2048 dict=aws-config ;;
        aws-cred-doc) max_len=2048 dict=json ;;
        sts-xml) max_len=2048 dict=sts-xml ;;
        *) echo "unknown fuzz target $target" >&2; exit 2 ;;
    esac
    corpus=${FUZZ_CORPUS:+$FUZZ_CORPUS/$target}
    corpus=${corpus:-$work/$target/corpus}
    mkdir -p "$corpus" "$work/$target/tmp"
    log=$work/$target/log
    # The Swift runtime's own crash backtracer would hold the crash up; libFuzzer reports instead. Leak checks are
    # off: Swift keeps flag bits in the high bits of String and Array pointers, so LeakSanitizer cannot see that
    # lazily made globals are still referenced and reports them as leaked.
    ASAN_OPTIONS=detect_leaks=0 SWIFT_BACKTRACE=enable=no TAPEDECK_FUZZ_TMP="$work/$target/tmp" \
        "$binary" "$target" -max_total_time="$seconds" -max_len="$max_len" -dict="Tests/Fuzz/dict/$dict.dict" \
        -timeout=20 -rss_limit_mb=2048 -detect_leaks=0 -print_final_stats=1 -artifact_prefix="$artifacts/$target-" \
        "$corpus" "Tests/Fuzz/corpus/$target" >"$log" 2>&1
    status=$?
    done_line=$(grep -E '^Done [0-9]+ runs in [0-9]+ second' "$log" | tail -1)
    if [ $status -eq 0 ] && [ -n "$done_line" ]; then
        echo "fuzz $target: $done_line (working corpus: $(ls "$corpus" | wc -l) inputs)"
    else
        failed=1
        echo "fuzz $target: FAILED (exit $status)"
        grep -E 'property violated|Fatal error|ERROR: (libFuzzer|AddressSanitizer|LeakSanitizer)|SUMMARY|Test unit written|^Base64' "$log" | head -20 | cut -c1-800
        echo "  full log: $artifacts/$target.log"
        cp "$log" "$artifacts/$target.log"
    fi
done
exit $failed

#!/usr/bin/env bash
# Integration test on a real single-node Slurm cluster, started here and
# stopped after: munged, slurmctld and slurmd on this machine, configured in
# a temporary folder.  A 4-task array job runs formocr over a generated
# folder (4 shards), a dependent job merges the parts, and the merged
# database must hold exactly the documents and values of one plain run over
# the same folder.
#   slurm.sh FORMOCR [PAGES]        (as root; Debian's slurm-wlm and munge)
set -euo pipefail
formocr=$(realpath "$1")
pages=${2:-200}
src=$(pwd)
work=$(mktemp -d /tmp/formocr-slurm-XXXXXX)
chmod 755 "$work"
host=$(hostname -s)
conf=$work/slurm.conf
export SLURM_CONF=$conf
# Every wait below has a deadline: a cluster that cannot run jobs fails the
# test with what Slurm says about it, never hangs it.
diagnose() {
    echo "--- sinfo"; timeout 10 sinfo -N -l 2>&1 || true
    echo "--- sinfo -R"; timeout 10 sinfo -R 2>&1 || true
    echo "--- squeue"; timeout 10 squeue -l 2>&1 || true
    echo "--- scontrol show job"; timeout 10 scontrol show job 2>&1 | grep -E \
        'JobId|JobState|Reason|NodeList|ExitCode|StdOut' || true
    echo "--- daemons"; pgrep -a -f 'munged|slurmctld|slurmd|slurmstepd' || true
    tail -n 30 "$work"/*.log "$work"/munge/*.log "$work"/out/*.out "$work"/*.out 2>/dev/null || true
}
fail() {
    echo "FAIL: $*"
    diagnose
    exit 1
}
# cannot REASON: this machine cannot host a Slurm cluster at all (the daemons
# do not start, the node does not come up, a job that runs `echo` does not
# run): nothing formocr could fix.  The test is then skipped (exit 77), with
# what Slurm said, and scripts/test.sh repeats it in its last lines.
cannot() {
    echo "SKIPPED (this machine cannot host a Slurm cluster): $*"
    diagnose
    exit 77
}
[ "$(id -u)" = 0 ] || { echo "FAIL: slurm.sh starts munged and slurmd: run it as root"; exit 1; }
for cmd in munged slurmctld slurmd sbatch sqlite3; do
    command -v "$cmd" >/dev/null ||
        { echo "FAIL: $cmd is missing (scripts/install-deps.sh --test installs it)"; exit 1; }
done

# stop_pid FILE: ends the daemon whose pid FILE holds, by force if it lingers
stop_pid() {
    local pid
    [ -f "$1" ] && pid=$(cat "$1") || return 0
    kill "$pid" 2>/dev/null || return 0
    for _ in $(seq 20); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.5; done
    kill -9 "$pid" 2>/dev/null || true
}
cleanup() {
    stop_pid "$work/slurmd.pid"
    stop_pid "$work/slurmctld.pid"
    pkill -9 -f "slurmstepd.*$work" 2>/dev/null || true
    stop_pid "$work/munge/munged.pid"
    rm -rf "$work"
}
trap cleanup EXIT

# munge: a key of our own, its daemon on a socket of our own.  The daemons
# get no descriptor of ours: ctest waits for its pipe to close.
mkdir -p "$work/munge"
chown munge:munge "$work/munge"
dd if=/dev/urandom of="$work/munge/munge.key" bs=1024 count=1 status=none
chown munge:munge "$work/munge/munge.key"
chmod 400 "$work/munge/munge.key"
runuser -u munge -- munged --key-file="$work/munge/munge.key" \
    --socket="$work/munge/munge.socket" --pid-file="$work/munge/munged.pid" \
    --log-file="$work/munge/munge.log" --seed-file="$work/munge/seed" \
    </dev/null >"$work/munge/start.out" 2>&1 || cannot "munged did not start: $(cat "$work/munge/start.out")"
for _ in $(seq 20); do [ -S "$work/munge/munge.socket" ] && break; sleep 0.5; done
[ -S "$work/munge/munge.socket" ] || cannot "munged made no socket"

# The node as slurmd sees it (CPUs, sockets, cores), so that it is never
# drained for a mismatch; half its memory; every address on loopback, so
# that the machine's name need not resolve.
hardware=$(slurmd -C | head -n 1 | tr ' ' '\n' |
           grep -E '^(CPUs|Boards|SocketsPerBoard|CoresPerSocket|ThreadsPerCore)=' | tr '\n' ' ')
[ -n "$hardware" ] || cannot "slurmd -C says nothing of this machine"
mem=$(awk '/MemTotal/ {print int($2 / 1024 / 2)}' /proc/meminfo)
mkdir -p "$work/state" "$work/spool"
cat >"$conf" <<CONF
ClusterName=formocr
SlurmctldHost=$host(127.0.0.1)
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
AuthInfo=socket=$work/munge/munge.socket
CredType=cred/munge
StateSaveLocation=$work/state
SlurmdSpoolDir=$work/spool
SlurmctldPidFile=$work/slurmctld.pid
SlurmdPidFile=$work/slurmd.pid
SlurmctldLogFile=$work/slurmctld.log
SlurmdLogFile=$work/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
MpiDefault=none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
ReturnToService=2
MinJobAge=3600
SlurmctldPort=16817
SlurmdPort=16818
NodeName=$host NodeAddr=127.0.0.1 NodeHostname=$host ${hardware}RealMemory=$mem State=UNKNOWN
PartitionName=test Nodes=$host Default=YES MaxTime=INFINITE State=UP
CONF
slurmctld -f "$conf" </dev/null >"$work/slurmctld.out" 2>&1 || cannot "slurmctld did not start"
slurmd -f "$conf" -N "$host" </dev/null >"$work/slurmd.out" 2>&1 || cannot "slurmd did not start"
state=
for _ in $(seq 60); do
    state=$(timeout 10 sinfo -h -n "$host" -o %t 2>/dev/null || true)
    [ "$state" = idle ] && break
    sleep 1
done
[ "$state" = idle ] || cannot "the node is not idle after 60 s (state: ${state:-none})"

# a job that does nothing, to know the cluster runs jobs at all
timeout 120 sbatch --wait --quiet --output="$work/probe.out" --wrap "echo probe ok" ||
    cannot "the cluster did not run a trivial job within 120 s"
grep -q "probe ok" "$work/probe.out" || cannot "the trivial job printed nothing"

# the same folder, sharded on the cluster and in one plain run
/usr/bin/python3 "$src/scripts/make-samples.py" --count "$pages" --seed 808 --fit-fields \
    --out "$work/scans" 2>/dev/null
chmod -R a+rX "$work/scans"
export OMP_THREAD_LIMIT=1
start=$(date +%s.%N)
ids=$(cd "$src" && FORMOCR="$formocr" FORMOCR_MIN_AGE=0 timeout 120 scripts/slurm/submit.sh "$work/scans" "$work/out" 4 \
      "$src/templates") || fail "submitting the jobs failed"
merge_id=${ids#* }
deadline=$(($(date +%s) + 300 + 3 * pages))
state=
while [ "$(date +%s)" -lt "$deadline" ]; do
    state=$(timeout 10 scontrol show job "$merge_id" 2>/dev/null |
            grep -o 'JobState=[A-Z_]*' | cut -d= -f2 || true)
    case $state in
        COMPLETED) break ;;
        FAILED|CANCELLED|TIMEOUT|NODE_FAIL|OUT_OF_MEMORY|BOOT_FAIL|DEADLINE) fail "merge job $state" ;;
    esac
    sleep 1
done
[ "$state" = COMPLETED ] || fail "the jobs did not finish in $((300 + 3 * pages)) s (merge: ${state:-unknown})"
array_secs=$(awk "BEGIN {print $(date +%s.%N) - $start}")
[ "$(ls "$work"/out/part-*.sqlite | wc -l)" = 4 ] || fail "not 4 parts"

start=$(date +%s.%N)
"$formocr" run --min-age 0 -q -j 2 -t "$src/templates" -o "$work/single.sqlite" "$work/scans" || true
single_secs=$(awk "BEGIN {print $(date +%s.%N) - $start}")

dump() {
    sqlite3 "$1" "SELECT d.sha256, d.template, d.status, f.name, f.value, f.status
                  FROM documents d LEFT JOIN fields f ON f.document_id = d.id
                  ORDER BY d.sha256, f.name"
}
dump "$work/out/all.sqlite" >"$work/merged.txt"
dump "$work/single.sqlite" >"$work/single.txt"
diff -q "$work/merged.txt" "$work/single.txt" >/dev/null ||
    fail "the merged database differs from a single run: $(diff "$work/merged.txt" "$work/single.txt" | head)"
n=$(sqlite3 "$work/out/all.sqlite" "SELECT count(*) FROM documents")
[ "$n" = "$pages" ] || fail "$n documents merged, expected $pages"
[ "$(sqlite3 "$work/out/all.sqlite" "SELECT count(DISTINCT shard) FROM runs")" = 4 ] ||
    fail "the runs table does not record 4 shards"
printf 'slurm: %d pages, 4-task array + merge %.1f s, one run -j 2 %.1f s; same documents and values\n' \
    "$pages" "$array_secs" "$single_secs"

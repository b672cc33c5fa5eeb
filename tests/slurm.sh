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
fail() { echo "FAIL: $*"; tail -n 20 "$work"/*.log "$work"/munge/*.log 2>/dev/null; exit 1; }
[ "$(id -u)" = 0 ] || { echo "FAIL: slurm.sh starts munged and slurmd: run it as root"; exit 1; }
for cmd in munged slurmctld slurmd sbatch sqlite3; do
    command -v "$cmd" >/dev/null ||
        { echo "FAIL: $cmd is missing (scripts/install-deps.sh --test installs it)"; exit 1; }
done

cleanup() {
    [ -f "$work/slurmctld.pid" ] && timeout 20 scontrol shutdown >/dev/null 2>&1 || true
    sleep 1
    [ -f "$work/slurmd.pid" ] && kill "$(cat "$work/slurmd.pid")" 2>/dev/null || true
    [ -f "$work/slurmctld.pid" ] && kill "$(cat "$work/slurmctld.pid")" 2>/dev/null || true
    [ -n "${munged_pid:-}" ] && kill "$munged_pid" 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT

# munge: a key of our own, its daemon on a socket of our own
mkdir -p "$work/munge"
chown munge:munge "$work/munge"
dd if=/dev/urandom of="$work/munge/munge.key" bs=1024 count=1 status=none
chown munge:munge "$work/munge/munge.key"
chmod 400 "$work/munge/munge.key"
runuser -u munge -- munged --key-file="$work/munge/munge.key" \
    --socket="$work/munge/munge.socket" --pid-file="$work/munge/munged.pid" \
    --log-file="$work/munge/munge.log" --seed-file="$work/munge/seed"
sleep 1
munged_pid=$(cat "$work/munge/munged.pid")

cpus=$(nproc)
mem=$(awk '/MemTotal/ {print int($2 / 1024 / 2)}' /proc/meminfo)
mkdir -p "$work/state" "$work/spool"
cat >"$conf" <<CONF
ClusterName=formocr
SlurmctldHost=$host
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
SlurmctldPort=16817
SlurmdPort=16818
NodeName=$host CPUs=$cpus RealMemory=$mem State=UNKNOWN
PartitionName=test Nodes=$host Default=YES MaxTime=INFINITE State=UP
CONF
slurmctld -f "$conf" || fail "slurmctld did not start"
slurmd -f "$conf" || fail "slurmd did not start"
for i in $(seq 60); do
    sinfo -h -o %T 2>/dev/null | grep -qE "idle|mixed" && break
    sleep 1
done
sinfo -h -o %T | grep -qE "idle|mixed" || fail "the node did not come up: $(sinfo 2>&1)"

# the same folder, sharded on the cluster and in one plain run
/usr/bin/python3 "$src/scripts/make-samples.py" --count "$pages" --seed 808 --fit-fields \
    --out "$work/scans" 2>/dev/null
chmod -R a+rX "$work/scans"
export OMP_THREAD_LIMIT=1
start=$(date +%s.%N)
ids=$(cd "$src" && FORMOCR="$formocr" scripts/slurm/submit.sh "$work/scans" "$work/out" 4 \
      "$src/templates")
merge_id=${ids#* }
for i in $(seq 1800); do
    state=$(scontrol show job "$merge_id" 2>/dev/null | grep -o 'JobState=[A-Z]*' | cut -d= -f2)
    case $state in COMPLETED) break ;; FAILED|CANCELLED|TIMEOUT) fail "merge job $state" ;; esac
    sleep 1
done
[ "$state" = COMPLETED ] || fail "the jobs did not finish (merge: $state)"
array_secs=$(awk "BEGIN {print $(date +%s.%N) - $start}")
[ "$(ls "$work"/out/part-*.sqlite | wc -l)" = 4 ] || fail "not 4 parts"

start=$(date +%s.%N)
"$formocr" run -q -j 2 -t "$src/templates" -o "$work/single.sqlite" "$work/scans" || true
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

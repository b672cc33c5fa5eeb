#!/usr/bin/env bash
# Submits a sharded formocr run as a Slurm job array of N tasks, then the
# merge of their parts, which starts when every task has ended.
#
#   scripts/slurm/submit.sh SCANS OUTDIR N [TEMPLATES]
#
# Prints the two job ids (array, merge).  FORMOCR names the formocr binary
# the nodes run (default: formocr on their PATH); FORMOCR_MIN_AGE, run's
# --min-age, goes to the tasks with the rest of the environment.
set -euo pipefail
here=$(dirname "$(realpath "$0")")
scans=$(realpath "${1:?SCANS}")
outdir=$(realpath -m "${2:?OUTDIR}")
n=${3:?N}
templates=$(realpath "${4:-templates}")
mkdir -p "$outdir"
# the jobs' own logs go with their outputs
array=$(sbatch --parsable --array="0-$((n - 1))" --export="ALL,SHARDS=$n" \
    --output="$outdir/formocr-%A_%a.out" \
    "$here/formocr-array.sbatch" "$scans" "$outdir" "$templates")
merge=$(sbatch --parsable --dependency="afterany:$array" \
    --output="$outdir/formocr-merge-%j.out" \
    "$here/formocr-merge.sbatch" "$outdir")
echo "$array $merge"

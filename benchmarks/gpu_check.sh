#!/usr/bin/env bash
# The GPU check (issue #25, item 5): the default test suite on CUDA, then the
# fit / predict / APD / chains / small-data / likelihood-term benchmarks on the
# GPU with the plain PyTorch loop beside them. One script, so that a lent
# device's minutes go to running.
#
# Where:  the repository root of a machine with a CUDA GPU and a python3 that
#         has torch (CUDA build), scikit-learn, scipy, tqdm and pytest (plus
#         pytest-xdist for the parallel run).
# Wheels: packages that machine lacks (skorch, foolbox and foolbox's needs) go
#         in .whl/ (ignored by git) before the run, fetched on a machine with
#         network access:
#           python3 -m pip download --no-deps --only-binary=:all: \
#             --python-version 3.12 --implementation cp \
#             --platform manylinux2014_x86_64 -d .whl \
#             skorch foolbox eagerpy GitPython gitdb smmap
#         and are installed into /tmp/site here.
# Usage:  bash benchmarks/gpu_check.sh [OUTDIR]   (default: $OUT, else benchmarks/out/gpu)
# Limits: TEST_LIMIT (seconds, default 240) and BENCH_LIMIT (per benchmark,
#         default 75); each step that runs out is reported and the next starts.
#         On an H200 (2026-12-04) 16 workers ran 44% of the suite in 380 s:
#         TEST_ARGS (extra pytest arguments, e.g. test files) picks a part.
#
# Every estimator's default device is "auto", so the tests that do not pin
# device="cpu" fit on the GPU. Left out there: the notebook check (it reads a
# committed file and needs nbformat and ruff, which are not device matters).
set -uo pipefail
cd "$(dirname "$0")/.."
out=${1:-${OUT:-benchmarks/out/gpu}}
mkdir -p "$out"
export PYTHONUNBUFFERED=1
if compgen -G ".whl/*.whl" >/dev/null; then
    python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir \
        --upgrade --target /tmp/site .whl/*.whl || exit 1
    export PYTHONPATH=/tmp/site
fi
export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}"

{
    date -u
    nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv
    python3 - <<'EOF'
import platform, sklearn, skorch, torch
import sklearn_apd
from sklearn_apd.experiments import cpu_description, device_name
assert torch.cuda.is_available(), "no CUDA device visible to torch"
print("python", platform.python_version(), "| torch", torch.__version__,
      "| scikit-learn", sklearn.__version__, "| skorch", skorch.__version__,
      "| sklearn-apd", sklearn_apd.__version__)
print("cpu:", cpu_description(), "| gpu:", device_name("auto"))
EOF
} 2>&1 | tee "$out/env.txt" || exit 1

step() {  # step NAME LIMIT COMMAND...: run, keep the output, report the status
    local name=$1 limit=$2
    shift 2
    local t0=$SECONDS
    timeout "$limit" "$@" >"$out/$name.txt" 2>&1
    local rc=$?
    echo "== $name: exit $rc after $((SECONDS - t0)) s (limit $limit s)" | tee -a "$out/$name.txt"
    tail -n 25 "$out/$name.txt"
}

# Each failure's traceback lands in test_failures.txt as it happens (a run cut
# off by its limit still says what failed); names only at the end otherwise.
workers=$(python3 -c "import xdist" 2>/dev/null && echo "-n ${WORKERS:-16}" || echo "")
FAILURES_FILE="$out/test_failures.txt" PYTHONPATH="$PWD/benchmarks:$PYTHONPATH" \
    step tests "${TEST_LIMIT:-240}" python3 -m pytest -q -p no:cacheprovider \
    -p _report_failures $workers --durations=15 -k "not committed_notebook" ${TEST_ARGS:-}
[ "${TESTS_ONLY:-0}" = 1 ] && exit 0

b=${BENCH_LIMIT:-75}
step bench_fit "$b" python3 benchmarks/bench_fit.py --device cuda --iters 5000 --repeats 3
step bench_predict "$b" python3 benchmarks/bench_predict.py --device cuda --repeats 5
step bench_apd "$b" python3 benchmarks/bench_apd.py --device cuda --iters 20
step bench_chains "$b" python3 benchmarks/bench_chains.py --device cuda --iters 1000 \
    --repeats 3 --chains 1 4 16
step bench_small_fit "$b" python3 benchmarks/bench_small_fit.py --device cuda --repeats 3
step bench_apd_likelihood "$b" python3 benchmarks/bench_apd_likelihood.py --device cuda \
    --iters 10 --repeats 3

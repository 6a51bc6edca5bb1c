#!/usr/bin/env bash
# GPU check for a fresh x86-64 NVIDIA machine (issue 11): install the `gpu` extra, check that JAX
# sees the GPU, fit a small model and apply it to one-hour recordings at increasing batch sizes,
# printing frames/s and peak GPU memory per call. One run takes under 8 minutes; every step has
# its own timeout and a failing step stops the script with one line saying what failed.
#
#   benchmarks/gpu_check.sh                 # on the GPU machine, from the project root
#   benchmarks/gpu_check.sh --cpu-dry-run   # here: the same steps on the CPU, small, no install
#
# Environment: BATCH_SIZES (default "1 2 4 7"), ITERS (default 5), FRAMES (default 108000),
# APPLY_TIMEOUT_S (default 360; 1800 in the dry run, where a shared CPU can be slow).
# The largest batch size that fits is the budget for conf/<env>/parameters_*.yml: frames per
# apply_model call = recordings x FRAMES (the original study: at most 7 one-hour videos per call
# on an 80 GB A100).
set -euo pipefail
cd "$(dirname "$0")/.."

DRY=0
if [[ "${1:-}" == "--cpu-dry-run" ]]; then DRY=1; elif [[ $# -gt 0 ]]; then
  echo "usage: $0 [--cpu-dry-run]" >&2; exit 2
fi
fail() { echo "gpu_check: FAILED: $*" >&2; exit 1; }
step() { echo; echo "== $* ($(date -u +%H:%M:%S))"; }
export KEDRO_DISABLE_TELEMETRY=1 UV_PYTHON_DOWNLOADS=never
export JAX_COMPILATION_CACHE_DIR="${JAX_COMPILATION_CACHE_DIR:-$PWD/.jax_cache}"
START=$(date +%s)

step "environment"
command -v uv >/dev/null || python3 -m pip install -q uv==0.13.8 || fail "uv is missing and pip could not install it (no internet?); install uv 0.13.8"
uv --version
if [[ $DRY == 1 ]]; then
  export JAX_PLATFORMS=cpu
  BATCH_SIZES="${BATCH_SIZES:-1 2}" ITERS="${ITERS:-2}" FRAMES="${FRAMES:-3000}"
  APPLY_TIMEOUT_S="${APPLY_TIMEOUT_S:-1800}"
  [[ -x .venv/bin/python ]] || fail ".venv missing: run 'uv sync --frozen' first (the dry run installs nothing)"
  echo "CPU dry run: no install, JAX_PLATFORMS=cpu, $FRAMES frames per recording"
else
  BATCH_SIZES="${BATCH_SIZES:-1 2 4 7}" ITERS="${ITERS:-5}" FRAMES="${FRAMES:-108000}"
  APPLY_TIMEOUT_S="${APPLY_TIMEOUT_S:-360}"
  command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv \
    || echo "nvidia-smi not found (continuing: JAX will say whether it sees a GPU)"
  step "uv sync --frozen --extra gpu (CUDA jaxlib wheels; needs the package index or a local mirror)"
  timeout 240 uv sync --frozen --extra gpu \
    || fail "could not install the gpu extra within 240 s (exit $?): are the CUDA wheels reachable (UV_INDEX_URL / a wheel cache)? Nothing was benchmarked"
fi

step "JAX sees the device"
timeout 300 .venv/bin/python -u - "$DRY" <<'PY' || fail "JAX does not see the expected device, or took over 300 s (exit $?; see above)"
import sys
import jax
import jax.numpy as jnp
dry = sys.argv[1] == "1"
devices = jax.devices()
print("jax", jax.__version__, "backend", jax.default_backend(), "devices", devices)
want = "cpu" if dry else "gpu"
if jax.default_backend() != want:
    sys.exit(f"backend is {jax.default_backend()}, expected {want}: is the CUDA jaxlib installed (uv sync --extra gpu) and the driver visible?")
x = jnp.ones((500, 500))
print("matmul check:", float((x @ x).sum()))
PY

step "small fit, then apply_model on $BATCH_SIZES recording(s) of $FRAMES frames, $ITERS iterations"
# shellcheck disable=SC2086
timeout "$APPLY_TIMEOUT_S" .venv/bin/python -u benchmarks/apply_batches.py --frames "$FRAMES" \
  --iters "$ITERS" --batch-sizes $BATCH_SIZES || fail "apply_batches.py failed or ran past $APPLY_TIMEOUT_S s (exit $?)"

echo; echo "gpu_check: done in $(( $(date +%s) - START )) s"

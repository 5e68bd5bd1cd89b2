#!/usr/bin/env bash
# The benchmarks that need a GPU, in one call on a lent GPU machine (at most 7 minutes: setup, then each
# bench's quick profile under a limit of BENCH_SECONDS, 180 s). With a machine start of 1-3 minutes that is
# about 10 of a session's 15 device minutes:
#   device run: command "tests/bench/gpu.sh", timeout_s 480, carry [".cache/gpu-wheels", ".cache/gpu-data"]
#
# That machine gets a copy of the working tree, but no .venv, no Tessel cache and no package registry. Its
# python3 has torch with CUDA, numpy, scikit-learn, transformers, ...; the rest travels with the call:
#   tests/bench/gpu.sh wheels    here, once: the missing packages' wheels into .cache/gpu-wheels (~12 MB) and
#                                the Fashion-MNIST IDX files into .cache/gpu-data (~30 MB); both gitignored
#   tests/bench/gpu.sh           there: nvidia-smi, a venv over the image's packages with the wheels and
#                                Tessel's sources, then each GPU bench that exists and takes --device, with
#                                --device cuda --quick
# Not carried: the SmolLM2 parent (its GGUF is 94 MiB, over the 64 MiB a call carries), so the distill bench
# stops at once there with the parent's FailedPrecondition until the parent has another way over.
# Results (each bench's tables and JSON, and gpu.log) go to $OUT when set (the device tool's folder),
# else tests/bench/results/gpu. A bench that is missing, fails or runs out of time does not stop the others.
set -uo pipefail
cd "$(dirname "$0")/../.."

WHEELS=.cache/gpu-wheels
DATA=.cache/gpu-data
# Not in the device image (see the device notes' package list); versions are the ones .venv holds here.
# Checked by importing the services' modules with the image's packages set aside.
DEVICE_MISSING=(pydantic pydantic-core pydantic-settings annotated-types typing-inspection typing-extensions
  python-dotenv protobuf grpcio grpcio-health-checking grpcio-reflection googleapis-common-protos nats-py
  opentelemetry-api opentelemetry-sdk opentelemetry-semantic-conventions opentelemetry-instrumentation
  opentelemetry-instrumentation-grpc opentelemetry-proto opentelemetry-exporter-otlp
  opentelemetry-exporter-otlp-common opentelemetry-exporter-otlp-proto-common opentelemetry-exporter-otlp-proto-grpc
  opentelemetry-exporter-otlp-proto-http opentelemetry-exporter-http-transport mnist1d gguf mapie)
# cost: the block-scorer's cost table and predicted-vs-measured check on CUDA (needs only the parent's config,
# which it has built in, so it runs without the SmolLM2 asset; its quick profile is not yet timed on a GPU).
GPU_BENCHES=(selective distill cost)
BENCH_SECONDS=${BENCH_SECONDS:-180}  # each; the distill bench stops at once without its parent, so this stays under 7 minutes

download_wheels() {
  local python=.venv/bin/python pins
  pins=$("$python" -c 'import sys; from importlib.metadata import version
print(" ".join(f"{name}=={version(name)}" for name in sys.argv[1:]))' "${DEVICE_MISSING[@]}") || exit 1
  rm -rf "$WHEELS" && mkdir -p "$WHEELS"
  # shellcheck disable=SC2086  # one word per pin
  "$python" -m pip download -q --no-deps --only-binary=:all: --python-version 3.12 --implementation cp \
    --platform manylinux_2_28_x86_64 --platform manylinux_2_27_x86_64 --platform manylinux_2_17_x86_64 \
    --platform manylinux2014_x86_64 -d "$WHEELS" $pins || exit 1
  du -sh "$WHEELS"
}

# The four IDX files gzipped (raw ones would not fit beside the wheels), from wherever Tessel finds them here.
copy_fashion_mnist() {
  local folder stem target=$DATA/fashion-mnist
  if ! folder=$(.venv/bin/python -c 'from tessel.assets.datasets import locate_fashion_mnist
print(locate_fashion_mnist())' 2>/dev/null); then
    echo "Fashion-MNIST is not installed here (scripts/install_fashion_mnist.sh): the selective bench will skip it there"
    return 0
  fi
  rm -rf "$target" && mkdir -p "$target"
  for stem in train-images-idx3-ubyte train-labels-idx1-ubyte t10k-images-idx3-ubyte t10k-labels-idx1-ubyte; do
    if [ -f "$folder/$stem.gz" ]; then
      cp -L "$folder/$stem.gz" "$target/" || exit 1
    else
      gzip -c "$folder/$stem" > "$target/$stem.gz" || exit 1
    fi
  done
  du -sh "$DATA"
}

if [ "${1:-}" = "wheels" ]; then
  download_wheels
  copy_fashion_mnist
  exit 0
fi

OUT_DIR=${OUT:-tests/bench/results/gpu}
mkdir -p "$OUT_DIR"
OUT_DIR=$(cd "$OUT_DIR" && pwd)
exec > >(tee "$OUT_DIR/gpu.log") 2>&1

nvidia-smi || echo "nvidia-smi failed"

VENV=${TESSEL_GPU_VENV:-/tmp/tessel-gpu-venv}  # an existing venv is used as it is
if [ ! -x "$VENV/bin/python" ]; then
  python3 -m venv --system-site-packages "$VENV" || exit 1
  if compgen -G "$WHEELS/*.whl" >/dev/null; then
    "$VENV/bin/python" -m pip install -q --no-index --no-deps --no-compile "$WHEELS"/*.whl || exit 1
  else
    echo "no wheels in $WHEELS: run 'tests/bench/gpu.sh wheels' here first and carry $WHEELS"
  fi
  # Tessel's own packages from the working tree, as an editable install would (no build needed).
  site=$("$VENV/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
  { echo "$PWD/shared"; for service in services/*/; do echo "$PWD/${service%/}"; done; } > "$site/tessel-sources.pth"
fi
PY=$VENV/bin/python
export TESSEL_HOME=${TESSEL_HOME:-/tmp/tessel-home} TESSEL_DEVICE=cuda TESSEL_BENCH_RESULTS=$OUT_DIR PYTHONUNBUFFERED=1

datasets=${TESSEL_CACHE_DIR:-$TESSEL_HOME/cache}/datasets
if [ -d "$DATA/fashion-mnist" ]; then
  mkdir -p "$datasets" && ln -sfn "$PWD/$DATA/fashion-mnist" "$datasets/fashion-mnist"
else
  echo "no $DATA/fashion-mnist: the selective bench skips Fashion-MNIST (carry $DATA)"
fi

"$PY" -c 'import torch; print("torch", torch.__version__, "cuda", torch.cuda.is_available(),
torch.cuda.get_device_name(0) if torch.cuda.is_available() else "")' || exit 1
"$PY" -c 'import tessel.runtime.settings' || echo "warning: tessel does not import; benches will fail"

for name in "${GPU_BENCHES[@]}"; do
  script=tests/bench/${name}_bench.py
  if [ ! -f "$script" ]; then
    echo "== $name: skipped ($script does not exist)"
    continue
  fi
  if ! usage=$("$PY" "$script" --help 2>&1); then
    echo "== $name: skipped (--help failed)"; echo "$usage" | tail -n 5
    continue
  fi
  if ! grep -q -- "--device" <<<"$usage"; then
    echo "== $name: skipped (no --device option)"
    continue
  fi
  arguments=(--device cuda)
  grep -q -- "--quick" <<<"$usage" && arguments+=(--quick)
  grep -q -- "--out" <<<"$usage" && arguments+=(--out "$OUT_DIR")
  echo "== $name: $script ${arguments[*]} (limit ${BENCH_SECONDS}s)"
  started=$SECONDS
  timeout --kill-after=15 "$BENCH_SECONDS" "$PY" "$script" "${arguments[@]}"
  status=$?
  [ "$status" -eq 124 ] && echo "== $name: stopped at its ${BENCH_SECONDS}s limit (no results written)"
  echo "== $name: exit $status after $((SECONDS - started))s"
done
ls -la "$OUT_DIR"

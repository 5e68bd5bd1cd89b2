#!/usr/bin/env bash
# Install Fashion-MNIST (Debian package `dataset-fashion-mnist`, MIT) so `tessel assets` finds it.
# Idempotent: does nothing when the package is already installed. Needs root (or sudo) and apt.
set -euo pipefail

if dpkg-query -W -f='${Status}' dataset-fashion-mnist 2>/dev/null | grep -q "install ok installed"; then
  echo "dataset-fashion-mnist already installed"
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  SUDO="sudo"
fi
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends dataset-fashion-mnist
dpkg -L dataset-fashion-mnist | grep -E 'idx[13]-ubyte' || true

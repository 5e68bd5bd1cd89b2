# syntax=docker/dockerfile:1
# Shared runtime for every Tessel service image: Python 3.11, torch and the pinned runtime requirements,
# built once and reused by every service image (docker/service.Dockerfile). Two variants from one file:
#   docker build -f docker/base.Dockerfile -t tessel-base-cpu:0.1.0 .
#   docker build -f docker/base.Dockerfile -t tessel-base-cuda:0.1.0 \
#     --build-arg TORCH_INDEX_URL=https://download.pytorch.org/whl/cu130 .
# The CUDA wheels bundle the CUDA runtime; the node's NVIDIA driver comes in through the device plugin.
FROM python:3.11.14-slim-bookworm

ARG TORCH_INDEX_URL=https://download.pytorch.org/whl/cpu

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1 \
    VIRTUAL_ENV=/opt/venv \
    PATH=/opt/venv/bin:$PATH \
    HOME=/home/tessel \
    XDG_CACHE_HOME=/tmp/.cache \
    MPLCONFIGDIR=/tmp/matplotlib

RUN groupadd --system --gid 10001 tessel \
    && useradd --system --uid 10001 --gid tessel --home-dir /home/tessel --create-home tessel \
    && python -m venv /opt/venv

# torch first, from its own index, so the resolver below never swaps in another build.
RUN pip install --no-cache-dir --index-url "${TORCH_INDEX_URL}" torch==2.13.0

COPY requirements/runtime.txt /app/requirements/runtime.txt
RUN pip install --no-cache-dir -r /app/requirements/runtime.txt

WORKDIR /app
USER 10001:10001

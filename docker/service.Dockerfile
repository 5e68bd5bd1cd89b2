# syntax=docker/dockerfile:1
# Every service image, from the repository root on the shared base (docker/base.Dockerfile). SERVICE and
# PORT are the service's name and port in the services manifest (shared/tessel/services.yaml):
#   docker build -f docker/service.Dockerfile --build-arg SERVICE=metrics --build-arg PORT=50051 \
#     --build-arg BASE_IMAGE=tessel-base-cpu:0.1.0 -t tessel-metrics:0.1.0 .
# GPU services are built on tessel-base-cuda. Sources are installed editable so Tilt's live_update can
# sync them into the running container.
ARG BASE_IMAGE=tessel-base-cpu:0.1.0
FROM ${BASE_IMAGE}
ARG SERVICE
ARG PORT

USER 0
COPY --chown=10001:10001 shared/ /app/shared/
COPY --chown=10001:10001 services/${SERVICE}/ /app/services/${SERVICE}/
# `tessel-service` is the service's console script (tessel-<service>), so CMD needs no build argument.
RUN test -n "${SERVICE}" && test -n "${PORT}" \
    && pip install --no-cache-dir -c /app/requirements/runtime.txt -e /app/shared -e "/app/services/${SERVICE}" \
    && python -m compileall -q /app/shared "/app/services/${SERVICE}" \
    && ln -s "/opt/venv/bin/tessel-${SERVICE}" /opt/venv/bin/tessel-service

USER 10001:10001
ENV OTEL_SERVICE_NAME=${SERVICE} \
    TESSEL_GRPC_PORT=${PORT}
EXPOSE ${PORT}
CMD ["tessel-service"]

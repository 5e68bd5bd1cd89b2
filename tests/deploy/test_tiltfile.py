"""tilt/Tiltfile evaluated with stub Tilt builtins (starlark-pyo3): the calls must name images, chart
values, paths and resources that exist."""

from __future__ import annotations

import re
from collections import defaultdict
from pathlib import Path

import pytest
import starlark
import yaml

from deploy_helpers import REPO, SERVICES, Rendered, helm_template

TILT_DIR = REPO / "tilt"
# The Tiltfile's `config` module, built as a Starlark struct so attribute access works.
PRELUDE = "config = struct(define_bool = _define_bool, parse = _parse)\n"


class TiltStubs:
    """Records every call; `helm` renders the chart for real with the arguments it was given."""

    def __init__(self, flags: dict) -> None:
        self.flags = flags
        self.calls: dict[str, list[dict]] = defaultdict(list)
        self.rendered: list[Rendered] = []

    def path(self, relative: str) -> Path:
        return (TILT_DIR / relative).resolve()

    def record(self, name: str):
        def call(*args, **kwargs):
            self.calls[name].append({"args": list(args), **kwargs})
            return {"live_update_step": name, "args": list(args)} if name in ("sync", "run", "fall_back_on") else None
        return call

    def helm(self, chart, name="", namespace="", values=None, set=None, **_):
        args = [*(a for v in values or [] for a in ("-f", str(self.path(v)))), *(a for s in set or [] for a in ("--set", s))]
        assert self.path(chart) == REPO / "charts" / "tessel"
        self.rendered.append(Rendered(helm_template(*args)))
        self.calls["helm"].append({"chart": chart, "name": name, "values": values})
        return "<helm blob %d>" % (len(self.rendered) - 1)

    def read_yaml(self, path):
        self.calls["read_yaml"].append({"args": [path]})
        return yaml.safe_load(self.path(path).read_text())

    def module(self) -> starlark.Module:
        module = starlark.Module()
        for name in ("version_settings", "docker_build", "k8s_yaml", "k8s_resource", "local_resource",
                     "watch_file", "sync", "run", "fall_back_on", "allow_k8s_contexts"):
            module.add_callable(name, self.record(name))
        module.add_callable("helm", self.helm)
        module.add_callable("read_yaml", self.read_yaml)
        module.add_callable("_define_bool", self.record("config.define_bool"))
        module.add_callable("_parse", lambda: dict(self.flags))
        return module

    def load(self, name: str) -> starlark.FrozenModule:
        assert name == "ext://restart_process", f"unexpected extension {name}"
        extension = starlark.Module()
        extension.add_callable("docker_build_with_restart", self.record("docker_build_with_restart"))
        return extension.freeze()


def evaluate(flags: dict) -> TiltStubs:
    stubs = TiltStubs(flags)
    module = stubs.module()
    dialect = starlark.Dialect.extended()
    dialect.enable_f_strings = True
    globals_ = starlark.Globals.extended_by([starlark.LibraryExtension.StructType, starlark.LibraryExtension.Print])
    starlark.eval(module, starlark.parse("prelude", PRELUDE, dialect), globals_)
    source = (TILT_DIR / "Tiltfile").read_text()
    starlark.eval(module, starlark.parse("Tiltfile", source, dialect), globals_, starlark.FileLoader(stubs.load))
    return stubs


def base_image_of(dockerfile: Path, build_args: dict) -> str:
    default = re.search(r"^ARG BASE_IMAGE=(\S+)$", dockerfile.read_text(), re.MULTILINE).group(1)
    return build_args.get("BASE_IMAGE", default).split(":")[0]


# No flag at all is the default a developer gets from a bare `tilt up`.
@pytest.fixture(scope="module", params=[{}, {"gpu": True}], ids=["default", "gpu"])
def tilt(request) -> TiltStubs:
    return evaluate(request.param)


def test_services_come_from_the_manifest(tilt):
    assert [c["args"][0] for c in tilt.calls["read_yaml"]] == ["../shared/tessel/services.yaml"]
    watched = {tilt.path(c["args"][0]) for c in tilt.calls["watch_file"]}
    assert REPO / "shared" / "tessel" / "services.yaml" in watched


def test_deploys_the_chart_once_with_dev_values(tilt):
    (helm_call,) = tilt.calls["helm"]
    assert helm_call["values"][0].endswith("charts/tessel/values-dev.yaml")
    assert (len(helm_call["values"]) == 2) is tilt.flags.get("gpu", False)
    assert tilt.calls["k8s_yaml"] == [{"args": ["<helm blob 0>"]}]


def test_images_built_are_the_images_the_chart_uses(tilt):
    (rendered,) = tilt.rendered
    chart_images = {c["image"].split(":")[0] for d in rendered.of_kind("Deployment").values()
                    for c in d["spec"]["template"]["spec"]["containers"]}
    service_builds = {c["args"][0]: c for c in tilt.calls["docker_build_with_restart"]}
    assert set(service_builds) == {f"tessel-{s}" for s in SERVICES}
    assert set(service_builds) <= chart_images
    base_builds = {c["args"][0] for c in tilt.calls["docker_build"]}
    for spec in SERVICES.values():
        build = service_builds[f"tessel-{spec.name}"]
        dockerfile = (TILT_DIR / build["dockerfile"]).resolve()
        assert dockerfile == REPO / "docker" / "service.Dockerfile"
        assert base_image_of(dockerfile, build.get("build_args", {})) in base_builds
        assert build["build_args"]["SERVICE"] == spec.name and build["build_args"]["PORT"] == str(spec.port)
        expected_base = "tessel-base-cuda" if (spec.gpu and tilt.flags.get("gpu", False)) else "tessel-base-cpu"
        assert build["build_args"]["BASE_IMAGE"] == expected_base
        assert build["entrypoint"] == ["python", "-m", spec.module]
    assert ("tessel-base-cuda" in base_builds) is tilt.flags.get("gpu", False)


def test_live_update_syncs_sources_that_exist(tilt):
    for build in tilt.calls["docker_build_with_restart"]:
        steps = build["live_update"]
        assert steps[0]["live_update_step"] == "fall_back_on", "fall_back_on must come first"
        syncs = [s["args"] for s in steps if s["live_update_step"] == "sync"]
        assert len(syncs) == 2
        for local, remote in syncs:
            assert tilt.path(local).is_dir(), local
            assert remote.startswith("/app/")
        context = tilt.path(build["context"])
        assert context == REPO
        assert all((context / p).exists() for p in build["only"])


def test_resources_name_workloads_the_chart_renders(tilt):
    (rendered,) = tilt.rendered
    workloads = {*rendered.of_kind("Deployment"), *rendered.of_kind("StatefulSet")}
    configured = {c["args"][0]: c for c in tilt.calls["k8s_resource"]}
    assert set(configured) <= workloads
    for spec in SERVICES.values():
        resource = configured[f"tessel-{spec.name}"]
        assert resource["port_forwards"] == [f"{spec.port}:{spec.port}"]
        assert resource["labels"] == ["gpu-services" if spec.gpu else "services"]
        assert set(resource["resource_deps"]) <= set(configured) | {c["args"][0] for c in tilt.calls["local_resource"]}


def test_gpu_is_off_by_default(tilt):
    (define,) = tilt.calls["config.define_bool"]
    assert define["args"] == ["gpu"]
    (rendered,) = tilt.rendered
    uses_gpu = "nvidia.com/gpu" in yaml.safe_dump(rendered.objects)
    assert uses_gpu is tilt.flags.get("gpu", False)


def test_local_resources_run_in_the_repository(tilt):
    (protos,) = tilt.calls["local_resource"]
    root = tilt.path(protos["dir"])
    assert root == REPO
    script = protos["cmd"].split()[1]
    assert (root / script).is_file()
    assert all(tilt.path(d).exists() for d in protos["deps"])

"""Contract checks: buf lint (STANDARD), no breaking change against the released baseline, generated
code in sync with protos/, and golden round-trips of the shared shapes."""

from __future__ import annotations

import importlib
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from tessel.common.v1 import array_pb2, job_pb2
from tessel.runtime.arrays import array_from_proto, array_to_proto
from tessel.runtime.errors import InvalidArgument

ROOT = Path(__file__).resolve().parent.parent
BUF = str(Path(sys.executable).parent / "buf")


def test_buf_lint_is_clean():
    result = subprocess.run([BUF, "lint", "protos"], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_no_breaking_change_against_the_baseline():
    result = subprocess.run(
        [BUF, "breaking", "protos", "--against", "protos/baseline.binpb"], cwd=ROOT, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_generated_code_matches_protos():
    result = subprocess.run([sys.executable, "scripts/gen_protos.py", "--check"], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def test_every_enum_starts_with_unspecified_zero():
    for proto in sorted((ROOT / "protos").glob("tessel/**/*.proto")):
        module = importlib.import_module(proto.relative_to(ROOT / "protos").with_suffix("").as_posix().replace("/", ".") + "_pb2")
        for enum in module.DESCRIPTOR.enum_types_by_name.values():
            assert enum.values[0].number == 0 and enum.values[0].name.endswith("_UNSPECIFIED"), enum.full_name


@pytest.mark.parametrize("dtype", ["float32", "float64", "int32", "int64", "uint8", "bool"])
def test_array_round_trip_is_exact_and_little_endian(dtype):
    values = (np.arange(12).reshape(3, 4) % 2).astype(dtype)
    message = array_to_proto(values)
    assert message.shape == [3, 4]
    back = array_from_proto(array_pb2.Array.FromString(message.SerializeToString()), field="x")
    assert back.dtype == values.dtype and np.array_equal(back, values)
    big_endian = values.astype(values.dtype.newbyteorder(">"))
    assert array_to_proto(big_endian).data == message.data


@pytest.mark.parametrize(("dtype", "wire"), [("int8", "int32"), ("int16", "int32"), ("uint16", "int64"),
                                              ("uint32", "int64"), ("float16", "float32")])
def test_types_the_wire_lacks_are_widened_losslessly(dtype, wire):
    values = np.array([0, 1, 7], dtype=dtype)
    back = array_from_proto(array_to_proto(values), field="x")
    assert back.dtype == np.dtype(wire) and np.array_equal(back, values)


def test_array_validation_names_the_field():
    with pytest.raises(InvalidArgument, match="x.dtype"):
        array_from_proto(array_pb2.Array(shape=[1], data=b"\0"), field="x")
    with pytest.raises(InvalidArgument, match="must have 1 dimension"):
        array_from_proto(array_to_proto(np.zeros((2, 2))), field="x", ndim=1)
    with pytest.raises(InvalidArgument, match="expected integer"):
        array_from_proto(array_to_proto(np.zeros(2)), field="x", kinds="iu")


def test_failed_job_record_carries_its_reason_on_the_wire():
    job = job_pb2.Job(
        id="1", state=job_pb2.JOB_STATE_FAILED,
        error=job_pb2.JobError(code=job_pb2.ERROR_CODE_INVALID_ARGUMENT, reason="bad", field="spec.x"),
    )
    # id=1 "1", state=3 FAILED(4), error=9 {code=1 INVALID_ARGUMENT(1), reason=2 "bad", field=3 "spec.x"}
    golden = bytes.fromhex("0a0131" "1804" "4a0f" "0801" "1203626164" "1a06737065632e78")
    assert job.SerializeToString() == golden
    assert job_pb2.Job.FromString(golden).error.reason == "bad"

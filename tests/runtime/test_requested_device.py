"""A client's device choice: the service's setting when empty, CUDA refused on a node without a GPU."""

from __future__ import annotations

import pytest
import torch

from tessel.runtime.errors import FailedPrecondition
from tessel.runtime.settings import requested_torch_device


def test_cpu_is_taken_as_asked():
    assert requested_torch_device("cpu", field="spec.device") == "cpu"


def test_auto_picks_what_the_node_has():
    assert requested_torch_device("auto", field="spec.device") == ("cuda" if torch.cuda.is_available() else "cpu")


@pytest.mark.skipif(torch.cuda.is_available(), reason="needs a node without a GPU")
def test_cuda_without_a_gpu_names_the_field():
    with pytest.raises(FailedPrecondition) as raised:
        requested_torch_device("cuda", field="device")
    assert raised.value.field == "device"

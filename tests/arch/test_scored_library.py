import json

import pytest

from tessel.llm.scored_library import ScoredLibrary
from tessel.runtime.errors import InvalidArgument


def test_round_trip_through_json(make_library):
    library = make_library(3)
    again = ScoredLibrary.from_dict(json.loads(json.dumps(library.to_dict())))
    assert again == library
    assert again.metrics() == {"kl", "lm_loss_delta"}


@pytest.mark.parametrize("break_it", [
    lambda d: d.update(schema="tessel.distill.library"),
    lambda d: d.update(schema_version=99),
    lambda d: d.update(variants=[v for v in d["variants"] if not (v["layer"] == 1 and v["subblock"] == "ffn")]),
    lambda d: d["variants"][0].update(layer=40),
    lambda d: d["variants"][0]["scores"]["kl"].update(mean=float("nan")),
    lambda d: d["variants"][0].pop("cost"),
])
def test_malformed_libraries_are_refused(make_library, break_it):
    data = make_library(0).to_dict()
    break_it(data)
    with pytest.raises(InvalidArgument) as error:
        ScoredLibrary.from_dict(data, field="spec.scored_library")
    assert error.value.field == "spec.scored_library"

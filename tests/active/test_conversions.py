"""Session state survives the trip through the stored proto (it is what a restarted service resumes from)."""

from __future__ import annotations

import pytest

from tessel.active.v1 import active_pb2 as pb
from tessel.runtime.errors import InvalidArgument
from tessel.training.v1 import training_pb2
from tessel.zoo import BackboneConfig
from tessel.zoo.inas import CandidateScore, Structure
from tessel_active_learner.api.conversions import (
    MAX_LABEL_BUDGET,
    result_from_state,
    settings_from_spec,
    state_from_result,
)
from tessel_active_learner.core.session import RoundLog, SessionState


def test_state_round_trips_with_inas_rounds():
    shape = (1, 8, 8)
    state = SessionState(
        labelled=[5, 3, 9], labels=[1, 0, 2], pending=[7, 11],
        rounds=[RoundLog(round=0, labelled_count=3, backbone=BackboneConfig("resnet", shape, blocks_per_stack=(2,),
                                                                            base_width=8, dropout=0.25),
                         parameters=1234, validation_accuracy=0.5, test_accuracy=0.4, selected_epoch=3,
                         candidates=(CandidateScore(Structure(1, 1), 0.3, 100), CandidateScore(Structure(2, 1), 0.5, 200)),
                         train_seconds=1.5, query_seconds=0.25, trace_id="ab" * 16)],
    )
    stored = pb.SessionResult.FromString(result_from_state(state, num_classes=3, pool_size=50).SerializeToString())
    assert stored.num_classes == 3 and stored.pool_size == 50
    assert state_from_result(stored, shape) == state


def spec(**changes) -> pb.SessionSpec:
    values = dict(dataset="digits", initial_size=10, batch_size=5, label_budget=30,
                  strategy=pb.QUERY_STRATEGY_RANDOM, oracle=pb.ORACLE_SIMULATED,
                  backbone=training_pb2.Backbone(architecture=training_pb2.ARCHITECTURE_MLP))
    return pb.SessionSpec(**{**values, **changes})


def test_inas_policy_searches_resnets_with_the_given_width_and_dropout():
    settings = settings_from_spec(spec(architecture_policy=pb.ARCHITECTURE_POLICY_INAS,
                                       backbone=training_pb2.Backbone(base_width=8, dropout=0.5)),
                                  input_shape=(40,), device="cpu")
    assert settings.policy == "inas" and settings.backbone.architecture == "resnet"
    assert (settings.backbone.base_width, settings.backbone.dropout) == (8, 0.5)


@pytest.mark.parametrize(("changes", "field"), [
    (dict(label_budget=MAX_LABEL_BUDGET + 1), "spec.label_budget"),
    (dict(batch_size=0), "spec.batch_size"),
    (dict(max_epochs=-1), "spec.max_epochs"),
    (dict(mc_dropout_passes=1), "spec.mc_dropout_passes"),
    (dict(backbone=training_pb2.Backbone()), "spec.backbone.architecture"),
    (dict(backbone=training_pb2.Backbone(architecture=training_pb2.ARCHITECTURE_MLP, dropout=1.0)),
     "spec.backbone.dropout"),
    (dict(learning_rate=float("nan")), "spec.learning_rate"),
])
def test_sizes_are_bounded_and_refusals_name_the_field(changes, field):
    with pytest.raises(InvalidArgument) as raised:
        settings_from_spec(spec(**changes), input_shape=(64,), device="cpu")
    assert raised.value.field == field

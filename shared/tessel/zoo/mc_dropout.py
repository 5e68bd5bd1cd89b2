"""MC-dropout (Gal & Ghahramani 2016): T stochastic forward passes with dropout active, everything else
(batch norm) in eval mode, and the confidence functions read from their statistics.

Batching: a chunk of examples is repeated T times along the batch dimension and run as one forward, so
T passes cost about T forwards' worth of arithmetic with none of the per-call overhead; rows per forward
are bounded (`max_rows`), splitting examples and, for very large T, the passes themselves.

Which layers drop: by default every dropout module with p > 0, at its own rate. `layers` names modules
(`model.named_modules()` names): a dropout module among them is switched on, any other module gets
dropout on its input (a forward pre-hook), both at `rate` (required for non-dropout modules; for dropout
modules it overrides p during the passes only).

Determinism: the passes draw from a forked torch generator seeded with `seed`, so the caller's global RNG
state is untouched and a (seed, settings, device) triple always gives the same masks.

Confidence (higher = more confident), all for the *served* prediction (the MC-mean argmax unless the
caller passes the deterministic prediction it serves):
- `mean_probability` (default): the MC-mean softmax of the served class (= its max when serving the mean);
- `negative_entropy`: minus the entropy of the MC-mean softmax;
- `negative_predicted_variance`: minus the variance over passes of the served class's probability;
- `negative_mean_variance`: minus the per-class variance averaged over classes;
- `negative_mutual_information`: minus I(y; w) = H(mean) - mean_t H(p_t) (BALD's score, negated).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import torch
from torch import nn

from tessel.runtime.errors import InvalidArgument

MC_CONFIDENCES: tuple[str, ...] = (
    "mean_probability", "negative_entropy", "negative_predicted_variance", "negative_mean_variance",
    "negative_mutual_information",
)
DEFAULT_MC_CONFIDENCE = "mean_probability"
MAX_PASSES = 10_000
DEFAULT_MAX_ROWS = 16_384


@dataclass(frozen=True)
class MCDropoutSettings:
    passes: int = 100
    rate: float | None = None  # None: each dropout module's own p
    layers: tuple[str, ...] | None = None  # None: every dropout module (with p > 0 unless rate is set)
    seed: int = 0
    max_rows: int = DEFAULT_MAX_ROWS  # rows (examples x passes) per forward
    keep_passes: bool = False  # also return the [T, N, C] per-pass probabilities

    def __post_init__(self) -> None:
        if not 2 <= self.passes <= MAX_PASSES:
            raise InvalidArgument(f"must be in [2, {MAX_PASSES}], got {self.passes}", field="mc_dropout.passes")
        if self.rate is not None and not 0.0 < self.rate < 1.0:
            raise InvalidArgument(f"must be in (0, 1), got {self.rate}", field="mc_dropout.rate")
        if self.max_rows < 1:
            raise InvalidArgument(f"must be >= 1, got {self.max_rows}", field="mc_dropout.max_rows")
        if self.layers is not None:
            object.__setattr__(self, "layers", tuple(self.layers))


@dataclass(frozen=True)
class MCDropoutResult:
    """Statistics over the T passes. Classification: per-class [N, C] probabilities; regression: [N]."""

    mean: torch.Tensor  # MC-mean softmax [N, C] (regression: mean output [N])
    variance: torch.Tensor  # unbiased variance over passes, same shape as mean
    expected_entropy: torch.Tensor | None  # mean over passes of each pass's entropy [N]; None for regression
    passes: int
    probabilities: torch.Tensor | None = None  # [T, N, C] (regression [T, N]) when keep_passes

    @property
    def prediction(self) -> torch.Tensor:
        """The MC-mean prediction: argmax class [N] or mean output [N]."""
        return self.mean.argmax(-1) if self.expected_entropy is not None else self.mean


def mc_confidence(result: MCDropoutResult, kind: str = DEFAULT_MC_CONFIDENCE,
                  predicted: torch.Tensor | None = None) -> torch.Tensor:
    """Confidence [N] of `kind` for the served prediction `predicted` (default: the MC-mean argmax)."""
    if kind not in MC_CONFIDENCES:
        raise InvalidArgument(f"unknown MC-dropout confidence {kind!r}; known: {', '.join(MC_CONFIDENCES)}",
                              field="mc_dropout.confidence")
    if result.expected_entropy is None:  # regression: only the output's spread is defined
        if kind not in ("negative_predicted_variance", "negative_mean_variance"):
            raise InvalidArgument(f"{kind!r} needs class probabilities; regression has only the variance",
                                  field="mc_dropout.confidence")
        return -result.variance
    served = result.prediction if predicted is None else predicted.to(result.mean.device).long()
    if served.shape != result.mean.shape[:1]:
        raise InvalidArgument(f"has shape {list(served.shape)}, expected [{len(result.mean)}]", field="predicted")
    if kind == "mean_probability":
        return result.mean.gather(-1, served[:, None]).squeeze(-1)
    if kind == "negative_predicted_variance":
        return -result.variance.gather(-1, served[:, None]).squeeze(-1)
    if kind == "negative_mean_variance":
        return -result.variance.mean(-1)
    entropy_of_mean = _entropy(result.mean)
    if kind == "negative_entropy":
        return -entropy_of_mean
    return -(entropy_of_mean - result.expected_entropy).clamp_min(0.0)


def _entropy(probabilities: torch.Tensor) -> torch.Tensor:
    return -(probabilities * probabilities.clamp_min(1e-30).log()).sum(-1)


@contextmanager
def dropout_active(model: nn.Module, settings: MCDropoutSettings = MCDropoutSettings()) -> Iterator[nn.Module]:
    """Eval mode everywhere except the chosen dropout; restores modes, rates and hooks on exit."""
    modules = dict(model.named_modules())
    dropouts = {name: m for name, m in modules.items() if isinstance(m, nn.modules.dropout._DropoutNd)}
    if settings.layers is None:
        chosen = {name: m for name, m in dropouts.items() if settings.rate is not None or m.p > 0}
    else:
        missing = [name for name in settings.layers if name not in modules]
        if missing:
            raise InvalidArgument(f"no module named {', '.join(map(repr, missing))} in the model",
                                  field="mc_dropout.layers")
        chosen = {name: modules[name] for name in settings.layers}
    hooked = {name: m for name, m in chosen.items() if name not in dropouts}
    if hooked and settings.rate is None:
        raise InvalidArgument("dropping at non-dropout layers needs an explicit rate", field="mc_dropout.rate")
    if not chosen or all(name in dropouts and (settings.rate or m.p) <= 0 for name, m in chosen.items()):
        raise InvalidArgument("MC-dropout needs a model with dropout > 0 (or a rate and layers to drop at)",
                              field="mc_dropout.rate")
    modes = {m: m.training for m in model.modules()}
    rates = {m: m.p for name, m in chosen.items() if name in dropouts}
    model.eval()
    handles = []
    for name, module in chosen.items():
        if name in dropouts:
            module.train()
            if settings.rate is not None:
                module.p = settings.rate
        else:
            rate = settings.rate
            handles.append(module.register_forward_pre_hook(
                lambda _m, args, p=rate: (nn.functional.dropout(args[0], p, training=True), *args[1:])))
    try:
        yield model
    finally:
        for handle in handles:
            handle.remove()
        for module, p in rates.items():
            module.p = p
        for module, training in modes.items():
            module.train(training)


@torch.no_grad()
def run_mc_dropout(model: nn.Module, x: torch.Tensor, settings: MCDropoutSettings = MCDropoutSettings(),
                   *, task: str = "classification") -> MCDropoutResult:
    """T stochastic passes over x ([N, ...]); models returning a tuple (SelectiveNet) are read at their
    first element, the prediction head."""
    if task not in ("classification", "regression"):
        raise InvalidArgument(f"unknown task {task!r}", field="task")
    if len(x) == 0:
        raise InvalidArgument("needs at least one example", field="inputs")
    device = next(model.parameters()).device
    T = settings.passes
    examples_per_chunk = max(1, settings.max_rows // T)
    passes_per_forward = max(1, min(T, settings.max_rows // min(examples_per_chunk, len(x))))
    means, variances, entropies, kept = [], [], [], []
    devices = [device] if device.type == "cuda" else []
    with torch.random.fork_rng(devices=devices), dropout_active(model, settings):
        torch.manual_seed(settings.seed)
        for start in range(0, len(x), examples_per_chunk):
            batch = x[start : start + examples_per_chunk].to(device)
            draws = []
            for done in range(0, T, passes_per_forward):
                reps = min(passes_per_forward, T - done)
                out = model(batch.repeat(reps, *[1] * (batch.dim() - 1)))
                out = (out[0] if isinstance(out, tuple) else out).float()
                out = out.reshape(reps, len(batch), *out.shape[1:])
                draws.append(torch.softmax(out, -1) if task == "classification" else out.reshape(reps, len(batch)))
            chunk = result_from_passes(torch.cat(draws), task=task)
            means.append(chunk.mean)
            variances.append(chunk.variance)
            if chunk.expected_entropy is not None:
                entropies.append(chunk.expected_entropy)
            if settings.keep_passes:
                kept.append(torch.cat(draws))
    return MCDropoutResult(
        mean=torch.cat(means), variance=torch.cat(variances),
        expected_entropy=torch.cat(entropies) if entropies else None, passes=T,
        probabilities=torch.cat(kept, dim=1) if kept else None,
    )


def result_from_passes(values: torch.Tensor, *, task: str = "classification") -> MCDropoutResult:
    """Statistics of per-pass outputs: probabilities [T, N, C] (classification) or outputs [T, N]."""
    if values.dim() != (3 if task == "classification" else 2) or values.shape[0] < 2:
        raise InvalidArgument(f"needs [passes >= 2, n{', classes' if task == 'classification' else ''}], got "
                              f"{list(values.shape)}", field="passes")
    values = values.double()  # accumulate in double: variances of near-equal probabilities
    return MCDropoutResult(
        mean=values.mean(0).float(), variance=values.var(0, correction=1).float(),
        expected_entropy=_entropy(values).mean(0).float() if task == "classification" else None,
        passes=int(values.shape[0]),
    )

"""Blockwise local distillation: train one subblock variant to reproduce its parent subblock's output from
the parent's input (normalised MSE, AdamW with linear warmup and cosine decay), streaming shards. Attention
variants can instead reproduce the whole parent block's output through the frozen parent FFN (BlockRunner)."""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import torch
from safetensors.torch import load_file
from torch import nn

from tessel_block_distiller.core.spec import Training


def normalized_mse(prediction: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """MSE(o_p, o_c) / MSE(o_p, 0), as in the paper."""
    return (prediction - target).pow(2).sum() / target.pow(2).sum().clamp_min(1e-12)


@dataclass
class SubblockRunner:
    """Calls an attention or FFN module on captured inputs (attention needs the rotary embeddings)."""

    subblock: str
    position_embeddings: tuple[torch.Tensor, torch.Tensor] | None = None

    def __call__(self, module: nn.Module, inputs: torch.Tensor) -> torch.Tensor:
        if self.subblock == "ffn":
            return module(inputs)
        cos, sin = self.position_embeddings
        length = inputs.shape[1]
        batch = inputs.shape[0]
        output, _ = module(
            hidden_states=inputs,
            position_embeddings=(cos[:, :length].expand(batch, -1, -1), sin[:, :length].expand(batch, -1, -1)),
            attention_mask=None,
        )
        return output


@dataclass
class BlockRunner:
    """[attention variant, parent norms and FFN frozen] on the residual stream entering the block; returns
    what the block adds to it, so the loss is on the block's output like the FFN variants' (Puzzle's BLD)."""

    attention: SubblockRunner
    input_norm: nn.Module
    post_attention_norm: nn.Module
    ffn: nn.Module

    def __call__(self, module: nn.Module, residual: torch.Tensor) -> torch.Tensor:
        attended = self.attention(module, self.input_norm(residual))
        return attended + self.ffn(self.post_attention_norm(residual + attended))


def least_squares_linear(shards: Iterable[Path], ridge: float = 1e-3) -> torch.Tensor:
    """The W minimising Σ‖W x − y‖² + ridge·tr(XᵀX)/d·‖W‖² over the shards' (input, output) pairs, in float64
    (closed form: W = YᵀX (XᵀX + λI)⁻¹), the linear replacement's best fit to the captured subblock."""
    gram = cross = None
    for path in shards:
        inputs, outputs = load_shard(path)
        x = inputs.reshape(-1, inputs.shape[-1]).double()
        y = outputs.reshape(-1, outputs.shape[-1]).double()
        gram = x.T @ x if gram is None else gram + x.T @ x
        cross = y.T @ x if cross is None else cross + y.T @ x
    penalty = ridge * gram.diagonal().mean().clamp_min(1e-12)
    regularised = gram + penalty * torch.eye(gram.shape[0], dtype=gram.dtype)
    return torch.linalg.solve(regularised, cross.T).T.float()


def load_shard(path: Path) -> tuple[torch.Tensor, torch.Tensor]:
    tensors = load_file(str(path))
    return tensors["input"], tensors["output"]


def iterate_batches(shards: Iterable[Path], batch_sequences: int, generator: torch.Generator,
                    device: str = "cpu") -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
    """Shard by shard (one resident at a time), sequences shuffled within each shard, as float32."""
    for path in shards:
        inputs, outputs = load_shard(path)
        order = torch.randperm(inputs.shape[0], generator=generator)
        for start in range(0, len(order), batch_sequences):
            index = order[start : start + batch_sequences]
            yield inputs[index].to(device).float(), outputs[index].to(device).float()


@torch.no_grad()
def held_out_loss(module: nn.Module, run: SubblockRunner, shards: list[Path], batch_sequences: int = 8,
                  device: str = "cpu") -> float:
    error = 0.0
    energy = 0.0
    module.eval()
    for path in shards:
        inputs, outputs = load_shard(path)
        for start in range(0, inputs.shape[0], batch_sequences):
            target = outputs[start : start + batch_sequences].to(device).float()
            prediction = run(module, inputs[start : start + batch_sequences].to(device).float())
            error += (prediction - target).pow(2).sum().item()
            energy += target.pow(2).sum().item()
    return error / max(energy, 1e-12)


@dataclass
class BLDResult:
    init_loss: float
    final_loss: float
    train_loss: float
    tokens: int
    seconds: float


def warmup_cosine(step: int, total: int, warmup: int) -> float:
    if step < warmup:
        return (step + 1) / warmup
    progress = (step - warmup) / max(1, total - warmup)
    return 0.5 * (1.0 + math.cos(math.pi * min(progress, 1.0)))


def train_variant(
    module: nn.Module,
    run: SubblockRunner,
    train_shards: list[Path],
    held_out_shards: list[Path],
    *,
    total_sequences: int,
    sequence_length: int,
    training: Training,
    seed: int,
    device: str = "cpu",
    on_step: Callable[[int, int, float, float], None] | None = None,
) -> BLDResult:
    """Train `module` in place for one pass over `train_shards`; `on_step(step, steps, loss, tokens_per_s)`.
    A run that ends worse on held-out data than it started (e.g. from an exact least-squares init) is undone."""
    init_loss = held_out_loss(module, run, held_out_shards, device=device)
    initial_state = {name: tensor.detach().clone() for name, tensor in module.state_dict().items()}
    parameters = [p for p in module.parameters() if p.requires_grad]
    steps = math.ceil(total_sequences / training.batch_sequences)
    if not parameters or steps == 0:
        return BLDResult(init_loss, init_loss, init_loss, 0, 0.0)
    optimizer = torch.optim.AdamW(parameters, lr=training.learning_rate, weight_decay=training.weight_decay)
    warmup = max(1, int(training.warmup_fraction * steps))
    schedule = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda step: warmup_cosine(step, steps, warmup))
    generator = torch.Generator().manual_seed(seed)
    module.train()
    started = time.monotonic()
    tokens = 0
    recent = []
    for step, (inputs, target) in enumerate(iterate_batches(train_shards, training.batch_sequences, generator, device)):
        loss = normalized_mse(run(module, inputs), target)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        schedule.step()
        tokens += inputs.shape[0] * sequence_length
        recent = (recent + [loss.item()])[-16:]  # .item() syncs: also what makes tokens/s honest on GPU
        if on_step is not None:
            on_step(step + 1, steps, recent[-1], tokens / max(time.monotonic() - started, 1e-9))
    seconds = time.monotonic() - started
    final_loss = held_out_loss(module, run, held_out_shards, device=device)
    if final_loss > init_loss:
        module.load_state_dict(initial_state)
        final_loss = init_loss
    return BLDResult(init_loss, final_loss, sum(recent) / len(recent), tokens, seconds)

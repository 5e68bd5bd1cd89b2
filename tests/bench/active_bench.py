"""Active-learning benchmark (`make bench`): coreset selection speed, and small learning curves.

Part 1, coreset speed: greedy k-center (ours, `tessel.zoo.coreset`) on seeded standard-normal float32
embeddings (full: 50,000 x 512, 200 labelled, 1,000 picks), next to
  - the memory-bandwidth floor of the eager incremental algorithm: one numpy read of the same array (a
    row-sum) per pass, a pass per labelled centre and per pick (`floor_seconds` = passes x one read); ours
    evaluates picks lazily (re-reads only rows whose stale bound could win), so it can run below it;
  - scikit-activeml's `CoreSet` (pinned in requirements/bench.txt) on the same arrays: the same picks are
    required (the run fails otherwise).
Part 2, learning curves (core session loop, simulated oracle, in-process): test accuracy vs labels for
random, least confidence and coreset (optionally MC-dropout and iNAS) on Fashion-MNIST and MNIST-1D, a
fixed backbone with dropout 0.25 for every strategy; area under the learning curve (mean accuracy over the
label axis, trapezoid) and the labels each strategy needs to reach random's accuracy at the full budget
(linear interpolation on the seed-mean curve). Writes a PNG of the curves next to the tables.

`--quick`: smaller arrays and curves (a few minutes on 2 CPU cores). Writes <results>/active-coreset.json/.md
and active-curves.json/.md/.png (-quick with --quick); `--part speed|curves` runs one of them.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import torch

from tessel.assets.datasets import load_dataset
from tessel.runtime.errors import TesselError
from tessel.zoo import BackboneConfig, FitOptions
from tessel.zoo.coreset import greedy_k_center
from tessel_active_learner.core.session import SessionSettings, SessionState, advance, pool_indices

from common import add_device_argument, package_version, resolve_device, result_name, results_dir, write_results

NAME = "active"
PROFILES = {
    "full": {
        "coreset": dict(n=50_000, d=512, labelled=200, picks=1000, floor_repeats=20),
        # Sized for about 15 minutes on 2 busy CPU cores; more seeds and labels need a GPU or a quiet machine.
        "curves": dict(seeds=(0,), initial=100, batch=100, budget=300, epochs=10, pool=5_000,
                       strategies=("random", "least_confidence", "coreset", "mc_dropout"), inas=True),
    },
    "quick": {
        "coreset": dict(n=10_000, d=512, labelled=200, picks=200, floor_repeats=10),
        "curves": dict(seeds=(0,), initial=100, batch=100, budget=200, epochs=5, pool=2_000,
                       strategies=("random", "least_confidence", "coreset"), inas=False),
    },
}
BACKBONES = {
    "fashion-mnist": dict(architecture="mlp", hidden_sizes=(256,), dropout=0.25),
    "mnist1d": dict(architecture="small_cnn", base_width=16, dropout=0.25),
}
INAS_WIDTH = 8
NEAR_TIE = 1e-5  # relative float64 distance gap below which a different pick is a float32 rounding tie
INAS_STRATEGIES = ("coreset",)


def coreset_speed(n: int, d: int, labelled: int, picks: int, floor_repeats: int, device: str) -> dict:
    rng = np.random.default_rng(0)
    x = rng.standard_normal((n, d), dtype=np.float32)
    centres = np.sort(rng.choice(n, size=labelled, replace=False))
    x.sum(axis=1)  # warm the pages once
    started = time.perf_counter()
    for _ in range(floor_repeats):
        x.sum(axis=1)
    one_read = (time.perf_counter() - started) / floor_repeats
    passes = labelled + picks
    started = time.perf_counter()
    ours = greedy_k_center(x, centres, picks, device=device)
    ours_seconds = time.perf_counter() - started
    print(f"  ours: {ours_seconds:.1f} s ({passes} passes; one numpy read {one_read * 1e3:.2f} ms)", flush=True)
    row = {"n": n, "d": d, "labelled": labelled, "picks": picks, "device": device, "ours_seconds": ours_seconds,
           "one_read_seconds": one_read, "passes": passes, "floor_seconds": one_read * passes,
           "ours_vs_floor": ours_seconds / (one_read * passes)}
    version = package_version("scikit-activeml")
    if version is None:
        row["peer"] = "scikit-activeml not installed (pip install -r requirements/bench.txt)"
        return row
    from skactiveml.pool import CoreSet

    y = np.full(n, np.nan)
    y[centres] = 0
    started = time.perf_counter()
    theirs = [int(i) for i in CoreSet(random_state=0).query(x, y, batch_size=picks)]
    row |= {"peer": f"scikit-activeml {version} CoreSet", "peer_seconds": time.perf_counter() - started,
            "same_picks": theirs == ours.indices}
    row["speedup_vs_peer"] = row["peer_seconds"] / ours_seconds
    if not row["same_picks"]:  # main() fails the run unless it is a float32 near-tie
        row |= divergence(x, centres, ours.indices, theirs)
    return row


def divergence(x: np.ndarray, centres: np.ndarray, ours: list[int], theirs: list[int]) -> dict:
    """Where two pick sequences part, and how far apart the two points' float64 distances to the shared
    centres are there: float32 rounding (ours sums (x - c)^2, scikit-learn expands |x|^2 - 2 x.c + |c|^2)
    can only flip picks whose distances tie to about 1e-6."""
    first = next(i for i, (a, b) in enumerate(zip(ours, theirs, strict=True)) if a != b)
    shared = np.concatenate([centres, ours[:first]]).astype(np.int64)
    x64 = x.astype(np.float64)
    distance = [float(((x64[shared] - x64[p]) ** 2).sum(axis=1).min()) for p in (ours[first], theirs[first])]
    return {"identical_prefix": first, "distance_ours": distance[0], "distance_peer": distance[1],
            "relative_gap": abs(distance[0] - distance[1]) / max(distance)}


def session_curve(data, strategy: str, seed: int, profile: dict, device: str, inas: bool) -> dict:
    backbone = (BackboneConfig("resnet", data.input_shape, base_width=INAS_WIDTH, dropout=0.25) if inas
                else BackboneConfig(input_shape=data.input_shape, **BACKBONES[data.name]))
    settings = SessionSettings(
        strategy=strategy, policy="inas" if inas else "fixed", backbone=backbone,
        initial_size=profile["initial"], batch_size=profile["batch"], label_budget=profile["budget"],
        pool_size=min(profile["pool"], len(data.train)),
        fit=FitOptions(max_epochs=profile["epochs"], batch_size=32, seed=seed, device=device),
        inas_epochs=max(1, profile["epochs"] // 2), mc_passes=20,
    )
    state = SessionState()
    started = time.perf_counter()
    advance(settings, data, pool_indices(len(data.train), settings.pool_size, seed), state, simulated=True)
    return {
        "strategy": strategy, "arch": "inas" if inas else BACKBONES[data.name]["architecture"], "seed": seed,
        "seconds": time.perf_counter() - started,
        "labels": [r.labelled_count for r in state.rounds], "test_accuracy": [r.test_accuracy for r in state.rounds],
        "validation_accuracy": [r.validation_accuracy for r in state.rounds],
        "parameters": [r.parameters for r in state.rounds],
        "architectures": [list(r.backbone.blocks_per_stack) if inas else None for r in state.rounds],
    }


def area_under_curve(labels: list[int], accuracy: list[float]) -> float:
    return float(np.trapezoid(accuracy, labels) / (labels[-1] - labels[0]))


def labels_to_reach(labels: list[int], accuracy: list[float], target: float) -> float | None:
    for i, value in enumerate(accuracy):
        if value >= target:
            if i == 0:
                return float(labels[0])
            previous = accuracy[i - 1]
            return float(labels[i - 1] + (target - previous) / (value - previous) * (labels[i] - labels[i - 1]))
    return None


def curves(profile: dict, device: str) -> dict:
    results = {}
    for name in BACKBONES:
        try:
            data = load_dataset(name, seed=0)
        except TesselError as error:  # e.g. Fashion-MNIST not installed (scripts/install_fashion_mnist.sh)
            results[name] = {"skipped": str(error)}
            continue
        runs = []
        variants = [(s, False) for s in profile["strategies"]]
        if profile["inas"] and name == "mnist1d":
            variants += [(s, True) for s in INAS_STRATEGIES]
        for strategy, inas in variants:
            for seed in profile["seeds"]:
                run = session_curve(data, strategy, seed, profile, device, inas)
                print(f"  {name} {strategy}{' iNAS' if inas else ''} seed {seed}: "
                      f"{[round(a, 3) for a in run['test_accuracy']]} ({run['seconds']:.0f} s)", flush=True)
                runs.append(run)
        results[name] = {"runs": runs, "summary": summarise(runs)}
    return results


def summarise(runs: list[dict]) -> list[dict]:
    groups: dict[tuple[str, str], list[dict]] = {}
    for run in runs:
        groups.setdefault((run["strategy"], run["arch"]), []).append(run)
    means = {key: np.mean([r["test_accuracy"] for r in group], axis=0).tolist() for key, group in groups.items()}
    labels = runs[0]["labels"]
    random_key = next(key for key in groups if key[0] == "random")
    target = means[random_key][-1]
    return [{
        "strategy": strategy, "arch": arch, "seeds": len(group), "labels": labels, "mean_accuracy": means[(strategy, arch)],
        "aulc": area_under_curve(labels, means[(strategy, arch)]),
        "aulc_per_seed": [area_under_curve(labels, r["test_accuracy"]) for r in group],
        "target": target, "labels_to_target": labels_to_reach(labels, means[(strategy, arch)], target),
        "final_parameters": group[0]["parameters"][-1],
    } for (strategy, arch), group in groups.items()]


def plot(results: dict, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    shown = {name: r for name, r in results.items() if "summary" in r}
    if not shown:
        return
    figure, axes = plt.subplots(1, len(shown), figsize=(6 * len(shown), 4), squeeze=False)
    for axis, (name, result) in zip(axes[0], shown.items(), strict=True):
        for row in result["summary"]:
            axis.plot(row["labels"], row["mean_accuracy"], marker="o",
                      label=f"{row['strategy']} ({row['arch']}), AULC {row['aulc']:.3f}")
        axis.set(title=name, xlabel="labels", ylabel="test accuracy (seed mean)")
        axis.grid(alpha=0.3)
        axis.legend(fontsize=8)
    figure.tight_layout()
    figure.savefig(path, dpi=120)
    plt.close(figure)


def speed_markdown(speed: dict, profile_name: str, seconds: float) -> str:
    lines = [f"## Active learning: coreset speed ({profile_name}, {seconds / 60:.1f} min)", "",
             f"Coreset selection: {speed['n']:,} x {speed['d']} float32, {speed['labelled']} labelled, "
             f"{speed['picks']} picks, on {speed['device']}; floor = {speed['passes']} passes x one numpy read "
             f"({speed['one_read_seconds'] * 1e3:.2f} ms).", "",
             "| implementation | seconds | vs floor | same picks |", "|---|---|---|---|",
             f"| memory-bandwidth floor | {speed['floor_seconds']:.2f} | 1.00 | |",
             f"| ours (tessel.zoo.coreset) | {speed['ours_seconds']:.2f} | {speed['ours_vs_floor']:.2f} | |"]
    if "peer_seconds" in speed:
        same = "yes" if speed["same_picks"] else (
            f"first {speed['identical_prefix']} identical, then a near-tie (relative gap {speed['relative_gap']:.1e})")
        lines.append(f"| {speed['peer']} | {speed['peer_seconds']:.2f} | "
                     f"{speed['peer_seconds'] / speed['floor_seconds']:.2f} | {same} |")
        lines += ["", f"ours is {speed['speedup_vs_peer']:.2f}x the speed of scikit-activeml."]
    else:
        lines += ["", f"peer: {speed['peer']}"]
    return "\n".join(lines)


def curves_markdown(curve_results: dict, profile: dict, profile_name: str, seconds: float, png: str) -> str:
    lines = [f"## Active learning: learning curves ({profile_name}, {seconds / 60:.1f} min)", "",
             f"Seeds {list(profile['seeds'])}, {profile['initial']} initial + {profile['batch']} per round to "
             f"{profile['budget']} labels, pool {profile['pool']:,}, {profile['epochs']} epochs per round."]
    for name, result in curve_results.items():
        lines += ["", f"### {name}", ""]
        if "skipped" in result:
            lines.append(f"skipped: {result['skipped']}")
            continue
        labels = result["summary"][0]["labels"]
        lines += ["| strategy | arch | seeds | " + " | ".join(f"{n} labels" for n in labels)
                  + " | AULC | labels to random's final acc | final params |",
                  "|---|---|---|" + "---|" * len(labels) + "---|---|---|"]
        for row in result["summary"]:
            reach = "not reached" if row["labels_to_target"] is None else f"{row['labels_to_target']:.0f}"
            lines.append(f"| {row['strategy']} | {row['arch']} | {row['seeds']} | "
                         + " | ".join(f"{a:.4f}" for a in row["mean_accuracy"])
                         + f" | {row['aulc']:.4f} | {reach} | {row['final_parameters']:,} |")
    lines += ["", f"Curves: {png}. Test accuracy of the validation-selected epoch each round (never the best "
              "test epoch); AULC = trapezoid mean over the label axis."]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="a few minutes instead of the full profile")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--part", choices=("all", "speed", "curves"), default="all",
                        help="speed writes active-coreset, curves active-curves (run them apart on a busy machine)")
    add_device_argument(parser)
    parser.add_argument("--out", type=Path, default=None,
                        help="results folder (default: tests/bench/results, or $TESSEL_BENCH_RESULTS)")
    args = parser.parse_args(argv)
    device = resolve_device(parser, args.device)
    torch.set_num_threads(args.threads)
    profile_name = "quick" if args.quick else "full"
    profile = PROFILES[profile_name]
    status = 0
    if args.part in ("all", "speed"):
        started = time.perf_counter()
        print("coreset speed:", flush=True)
        speed = coreset_speed(**profile["coreset"], device=device)
        print(f"  {speed}", flush=True)
        report = speed_markdown(speed, profile_name, time.perf_counter() - started)
        print(report)
        write_results(result_name(f"{NAME}-coreset", args.quick), {"parameters": profile["coreset"],
                      "coreset_speed": speed}, report, out_dir=args.out, device=device)
        if speed.get("relative_gap", 0.0) > NEAR_TIE:
            print(f"scikit-activeml's CoreSet picked differently, not at a float32 near-tie: {speed}", flush=True)
            status = 1
    if args.part in ("all", "curves"):
        started = time.perf_counter()
        curve_results = curves(profile["curves"], device)
        name = result_name(f"{NAME}-curves", args.quick)
        out_dir = args.out or results_dir()
        out_dir.mkdir(parents=True, exist_ok=True)
        png = out_dir / f"{name}.png"
        plot(curve_results, png)
        report = curves_markdown(curve_results, profile["curves"], profile_name, time.perf_counter() - started,
                                 png.name)
        print(report)
        write_results(name, {"parameters": profile["curves"], "curves": curve_results}, report, out_dir=args.out,
                      device=device)
    return status


if __name__ == "__main__":
    sys.exit(main())

"""Generate the Python contract package (shared/tessel/<domain>/v1) from protos/ with grpcio-tools.

`--check` regenerates into a temporary folder and fails if the checked-in code differs (drift).
"""

from __future__ import annotations

import argparse
import filecmp
import sys
import tempfile
from pathlib import Path

import grpc_tools
from grpc_tools import protoc

ROOT = Path(__file__).resolve().parent.parent
PROTOS = ROOT / "protos"
OUT = ROOT / "shared"
GENERATED_SUFFIXES = ("_pb2.py", "_pb2.pyi", "_pb2_grpc.py")


def proto_files() -> list[Path]:
    return sorted(PROTOS.glob("tessel/**/*.proto"))


def generate(out: Path) -> None:
    include = Path(grpc_tools.__file__).parent / "_proto"
    args = [
        "protoc",
        f"-I{PROTOS}",
        f"-I{include}",
        f"--python_out={out}",
        f"--pyi_out={out}",
        f"--grpc_python_out={out}",
        *[str(p.relative_to(PROTOS)) for p in proto_files()],
    ]
    if protoc.main(args) != 0:
        raise SystemExit("protoc failed")
    # Generated modules import each other absolutely (tessel.common.v1...): make the folders packages.
    for folder in {p.parent for p in out.glob("tessel/**/*_pb2.py")}:
        for package_dir in [folder, folder.parent]:
            (package_dir / "__init__.py").touch()


def generated_files(root: Path) -> set[Path]:
    return {
        p.relative_to(root)
        for p in root.glob("tessel/**/*")
        if p.name.endswith(GENERATED_SUFFIXES)
    }


def check() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        fresh = Path(tmp)
        generate(fresh)
        expected, present = generated_files(fresh), generated_files(OUT)
        problems = [f"missing: {p}" for p in sorted(expected - present)]
        problems += [f"stale (no proto): {p}" for p in sorted(present - expected)]
        problems += [
            f"differs: {p}"
            for p in sorted(expected & present)
            if not filecmp.cmp(fresh / p, OUT / p, shallow=False)
        ]
    if problems:
        print("generated code drifted from protos/ (run `make gen`):", *problems, sep="\n  ", file=sys.stderr)
        return 1
    print(f"generated code matches protos/ ({len(expected)} files)")
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--check", action="store_true", help="fail if checked-in code differs")
    args = parser.parse_args()
    if args.check:
        return check()
    for stale in generated_files(OUT):
        (OUT / stale).unlink()
    generate(OUT)
    print(f"generated {len(generated_files(OUT))} files under {OUT / 'tessel'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""`python -m tessel_block_scorer`: run the block-scorer service until SIGTERM."""

from tessel.runtime.server import main as run
from tessel_block_scorer.service import DEFINITION


def main() -> None:
    run(DEFINITION)


if __name__ == "__main__":
    main()

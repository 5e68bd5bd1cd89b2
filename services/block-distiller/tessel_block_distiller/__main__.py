"""`python -m tessel_block_distiller`: run the block-distiller service until SIGTERM."""

from tessel.runtime.server import main as run
from tessel_block_distiller.service import DEFINITION


def main() -> None:
    run(DEFINITION)


if __name__ == "__main__":
    main()

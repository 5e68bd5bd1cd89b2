"""`python -m tessel_selective_trainer`: run the selective-trainer service until SIGTERM."""

from tessel.runtime.server import main as run
from tessel_selective_trainer.service import DEFINITION


def main() -> None:
    run(DEFINITION)


if __name__ == "__main__":
    main()

"""`python -m tessel_arch_solver`: run the arch-solver service until SIGTERM."""

from tessel.runtime.server import main as run
from tessel_arch_solver.service import DEFINITION


def main() -> None:
    run(DEFINITION)


if __name__ == "__main__":
    main()

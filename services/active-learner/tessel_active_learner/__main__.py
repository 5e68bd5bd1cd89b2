"""`python -m tessel_active_learner`: run the active-learner service until SIGTERM."""

from tessel.runtime.server import main as run
from tessel_active_learner.service import DEFINITION


def main() -> None:
    run(DEFINITION)


if __name__ == "__main__":
    main()

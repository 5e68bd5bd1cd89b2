"""`python -m tessel_uncertainty_estimator`: run the uncertainty-estimator service until SIGTERM."""

from tessel.runtime.server import main as run
from tessel_uncertainty_estimator.service import DEFINITION


def main() -> None:
    run(DEFINITION)


if __name__ == "__main__":
    main()

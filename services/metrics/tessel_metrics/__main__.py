"""`python -m tessel_metrics`: run the metrics service until SIGTERM."""

from tessel.runtime.server import main as run
from tessel_metrics.service import DEFINITION


def main() -> None:
    run(DEFINITION)


if __name__ == "__main__":
    main()

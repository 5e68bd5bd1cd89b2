"""`python -m tessel_pipeline`: run the pipeline service until SIGTERM."""

from tessel.runtime.server import main as run
from tessel_pipeline.service import DEFINITION


def main() -> None:
    run(DEFINITION)


if __name__ == "__main__":
    main()

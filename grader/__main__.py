import sys

from grader.cli import main

if __name__ == "__main__":  # not when a Dask LocalCluster spawns its workers, which import this module again
    sys.exit(main())

"""``python -m peercert``: the same command line as the ``peercert`` console script."""

from peercert.cli import main

if __name__ == "__main__":
    main()

"""Allow ``python -m bek_gate``."""

from bek_gate.cli import main

if __name__ == "__main__":
    main()

"""The held-out corpus under tests/heldout/<rule>/ is data for score.py, not test modules."""

collect_ignore_glob = ["*/*.py", "score.py"]

"""The engine: one parse and one walk per file, dispatching nodes to the selected rules."""

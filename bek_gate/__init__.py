"""bek: a static-analysis quality gate for Python backends.

The package mirrors the pipeline: ``discovery`` finds files, ``parsing`` decodes
and parses them, ``engine`` walks each tree once and dispatches nodes to the
selected ``rules`` (helpers in ``analysis``), ``suppressions`` and ``verdict``
decide, ``reports`` write the results and ``cli`` ties it together.
"""

__version__ = "0.1.0"

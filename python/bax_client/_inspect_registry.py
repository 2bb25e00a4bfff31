"""inspect_ai's entry point for this package (``[project.entry-points.inspect_ai]``
in pyproject.toml): importing it registers ``bax_client/baxbench`` and
``bax_client/bax_scorer``, so ``inspect eval bax_client/baxbench`` finds them."""

from .inspect import bax_scorer, baxbench  # noqa: F401

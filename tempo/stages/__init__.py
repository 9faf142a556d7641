"""The heads and the glue as pipeline stages (registered in ``tempo.registry.STAGES``).

A stage owns no model math: it calls what ``tempo/tasks`` and ``tempo/models`` provide, names the params and
weight files its result depends on (its cache key), and says which outputs are files.
"""
from . import clips, complete, detect, exports, ground, restore  # noqa: F401  (registers the stages)

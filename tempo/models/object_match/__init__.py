"""The object stage of the default grounder: find the objects of the synthetic scenes (``ForegroundNet``), say what
each is and does in every feature row (``ObjectClipNet``), read which object and action a query names
(``QueryParser``), and score each row by how well its objects match the query (``match``). Importing this package
registers the trainers, datasets, collate functions and the metric."""
from .datasets import ForegroundDataset, ObjectSampleDataset, QueryParseDataset, object_stage_collate
from .metric import StageAccuracy
from .model import ForegroundTrainer, ObjectClipTrainer, QueryParserTrainer

__all__ = ["ForegroundDataset", "ForegroundTrainer", "ObjectClipTrainer", "ObjectSampleDataset", "QueryParseDataset",
           "QueryParserTrainer", "StageAccuracy", "object_stage_collate"]

"""csto-kg: curated records of intergovernmental meetings as a queryable knowledge graph."""

__version__ = "0.1.0"

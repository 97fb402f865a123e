"""The graph's vocabulary, records -> RDF (one named graph per record file), and the packaged ontology and shapes.

Imports csto_kg.records and below.
"""

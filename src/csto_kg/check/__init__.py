"""Checking records: the compiled SHACL checker, the validator, what records are checked against, the build pipeline.

Within, each module imports only those before it: ``shape_checker`` (the compiled checker),
``validate`` (one record graph against the shapes), ``context`` (what a record is checked
against: the entity files or the built store), ``pipeline`` (records -> checked N-Quads, in
parallel), ``files`` (checking files for ``csto-kg validate`` and ``POST /validate``), ``build``.

Imports csto_kg.store and below.
"""

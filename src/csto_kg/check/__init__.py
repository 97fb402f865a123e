"""Checking records: the compiled SHACL checker, the validator, what records are checked against, the build pipeline.

Imports csto_kg.store and below.
"""

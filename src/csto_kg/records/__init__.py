"""Curated records: safe YAML with line marks, the record types, the table of kinds, entity and meeting
schemas, cross-file rules.

Imports only csto_kg.problems and csto_kg.settings.
"""

"""Linking to Wikidata: the SPARQL client, candidates and verification, write-back into records.

Imports csto_kg.query and below.
"""

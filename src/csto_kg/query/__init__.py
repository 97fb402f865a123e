"""Answering queries: planning and guards (time limit, row cap, SERVICE allow-list), workers, describe, report.

Imports csto_kg.check and below.
"""

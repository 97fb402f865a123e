"""Tenures: who held which post when, reasoned at build time from every piece of evidence in the
records (post-holdings, appointments and elections, participations stating a post) and written
to its own named graph. Imports records/ and graph/ only."""

from .derive import (Conflict, Evidence, Tenure, claim_from_row, claim_row, derive, holders, reason, record_evidence,
                     single_holder_posts)
from .rdf import TENURES_GRAPH, tenure_lines, tenure_nquads

__all__ = ["Conflict", "Evidence", "Tenure", "claim_from_row", "claim_row", "derive", "holders", "reason",
           "record_evidence", "single_holder_posts", "tenure_lines", "tenure_nquads", "TENURES_GRAPH"]

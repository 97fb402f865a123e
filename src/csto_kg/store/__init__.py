"""Where the graph lives: the embedded Oxigraph store, a remote SPARQL 1.1 store, replicas.

Imports csto_kg.graph and below.
"""

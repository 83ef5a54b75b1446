"""Neo4j: the property-graph mapping, pure Cypher builders, and the driver code for push/query.

``mapping`` (labels, types, typed properties, passages) and ``statements`` (Cypher text) are
pure and import nothing heavy; ``push`` imports the ``neo4j`` driver when it is called.
"""

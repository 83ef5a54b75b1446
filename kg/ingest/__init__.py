"""Ingest new papers: read the text, propose a draft coding, align it with the graph (issue 10)."""

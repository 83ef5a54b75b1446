"""Named SPARQL queries shipped with the package (``kg sparql --name NAME``)."""

"""How model/ and data/ were made, and QUALITY.md: run each tool from the
repository root as a module, e.g. `.venv/bin/python -m tools.folk_corpus`."""

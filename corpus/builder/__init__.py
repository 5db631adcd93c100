"""Private machinery of ``python -m corpus.build``: seed parsing and the DOCX/PDF/HTML writers."""

"""baocao: sourced, cross-checked figures from Vietnamese administrative reports.

    >>> import baocao
    >>> extraction = baocao.extract("corpus/seeds/004_1ab22aee8a00dbb0.txt")  # doctest: +SKIP
"""

from baocao.api import extract
from schemas.extraction import Extraction

__all__ = ["extract", "Extraction"]

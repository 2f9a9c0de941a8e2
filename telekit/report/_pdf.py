"""executive.pdf (``--pdf``): the executive summary's HTML printed to PDF by WeasyPrint.

WeasyPrint is the optional extra ``pdf`` (``pip install 'telekit[pdf]'``): it is pure Python but
needs the Pango library of the system (Debian: ``libpango-1.0-0 libpangoft2-1.0-0``), which a
practice's laptop may lack, so telekit does not require it. ``require_pdf`` says so in one line
before any work is done.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from telekit._core._exceptions import TelekitError

INSTALL_HINT = (
    "--pdf needs WeasyPrint and the Pango library: pip install 'telekit[pdf]' "
    "(Debian/Ubuntu: apt-get install libpango-1.0-0 libpangoft2-1.0-0)"
)


def _weasyprint() -> Any:
    """The weasyprint module, or ``TelekitError`` naming the install command (WeasyPrint raises
    OSError on import when Pango cannot be loaded)."""
    try:
        import weasyprint  # noqa: PLC0415 - optional, and slow to import
    except (ImportError, OSError) as e:
        raise TelekitError(INSTALL_HINT) from e
    # WeasyPrint logs each CSS property it does not support (and fontTools each subset) as a
    # warning; the page is ours, so they are noise to a user
    for name in ("weasyprint", "fontTools"):
        logging.getLogger(name).setLevel(logging.ERROR)
    return weasyprint


def require_pdf() -> None:
    """Raise ``TelekitError`` (one line, the install command) when ``--pdf`` cannot work."""
    _weasyprint()


def write_pdf(html: str, path: Path) -> int:
    """``html`` (a self-contained page: nothing is fetched) printed to ``path``; returns the
    number of pages."""
    weasyprint = _weasyprint()
    # nothing outside the page is loaded (a link in a payer's name must not be fetched)
    fetcher = weasyprint.URLFetcher(allowed_protocols=())
    document = weasyprint.HTML(string=html, url_fetcher=fetcher).render()
    document.write_pdf(path)
    return len(document.pages)

"""Certificate PDFs: an HTML template and a print stylesheet rendered by WeasyPrint, offline.

Fonts (Cinzel, EB Garamond) come from the @fontsource npm packages shipped with the product and are
read from disk; the URL fetcher refuses every network URL, so rendering never reaches the network.
The stylesheet (with its fonts) is parsed once per process and reused for every certificate: that is
what keeps a certificate close to the cost of a one-line WeasyPrint page.
"""

from __future__ import annotations

import logging
import threading
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import segno
from django.conf import settings
from django.contrib.staticfiles import finders
from django.template.loader import render_to_string
from django.urls import reverse
from weasyprint import CSS, HTML
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher, URLFetcherResponse

from .models import Certificate, CertificateLevel

# WeasyPrint logs every rendering step at INFO: thousands of lines per bulk job. Keep its warnings.
logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)

PAGE_SIZES = {"letter": "letter landscape", "a4": "A4 landscape"}

# (family, static path under vendor/fontsource, weight, style, unicode-range)
_LATIN = "U+0000-00FF, U+0131, U+0152-0153, U+02BB-02BC, U+02C6, U+02DA, U+02DC, U+2000-206F, U+20AC, U+2122"
_LATIN_EXT = "U+0100-02AF, U+0304, U+0308, U+0329, U+1E00-1EFF, U+2020, U+20A0-20AB, U+20AD-20C0, U+2113"
FONT_FACES = [
    ("NMT Display", "cinzel/files/cinzel-latin-600-normal.woff", 600, "normal", _LATIN),
    ("NMT Display", "cinzel/files/cinzel-latin-ext-600-normal.woff", 600, "normal", _LATIN_EXT),
    ("NMT Serif", "eb-garamond/files/eb-garamond-latin-400-normal.woff", 400, "normal", _LATIN),
    ("NMT Serif", "eb-garamond/files/eb-garamond-latin-ext-400-normal.woff", 400, "normal", _LATIN_EXT),
    ("NMT Serif", "eb-garamond/files/eb-garamond-latin-500-italic.woff", 400, "italic", _LATIN),
    ("NMT Serif", "eb-garamond/files/eb-garamond-latin-ext-500-italic.woff", 400, "italic", _LATIN_EXT),
]


class OfflineFetcher(URLFetcher):
    """Serves `file:` URLs inside the font and static directories and `data:` URLs; refuses the rest.

    A certificate never needs the network, and a name typed into a profile must never make the
    renderer fetch anything.
    """

    def __init__(self, allowed_roots: list[Path]) -> None:
        super().__init__(allowed_protocols=("file", "data"), allow_redirects=False)
        self.allowed_roots = [root.resolve() for root in allowed_roots]

    def fetch(self, url: str, headers: Any = None) -> URLFetcherResponse:
        parts = urlsplit(url)
        if parts.scheme == "data":
            return super().fetch(url, headers)
        if parts.scheme != "file":
            raise ValueError(f"Certificates are rendered offline; refused {parts.scheme or 'relative'} URL.")
        path = Path(unquote(parts.path)).resolve()
        if not any(path.is_relative_to(root) for root in self.allowed_roots):
            raise ValueError("Refused a file outside the certificate assets.")
        return URLFetcherResponse(url, body=path.read_bytes(), headers={"Content-Type": _mime(path)})


def _mime(path: Path) -> str:
    return {".woff": "font/woff", ".woff2": "font/woff2", ".css": "text/css", ".svg": "image/svg+xml"}.get(
        path.suffix, "application/octet-stream"
    )


def _static_path(relative: str) -> Path:
    found = finders.find(relative)
    if not found:
        # After collectstatic (production image) the files are under STATIC_ROOT.
        candidate = Path(settings.STATIC_ROOT) / relative
        if candidate.exists():
            return candidate
        raise FileNotFoundError(
            f"{relative} is missing: run `npm ci` (the certificate fonts come from node_modules)."
        )
    return Path(str(found))


def page_size() -> str:
    key = str(getattr(settings, "CERTIFICATE_PAGE_SIZE", "letter")).lower()
    if key not in PAGE_SIZES:
        raise ValueError(f'CERTIFICATE_PAGE_SIZE must be "letter" or "A4", not {key!r}.')
    return key


class _Assets:
    """The parsed stylesheet, its fonts and the fetcher, built once per process and page size."""

    def __init__(self, size: str) -> None:
        stylesheet = _static_path("certificates/print.css")
        font_paths = [(f, _static_path(f"vendor/fontsource/{p}"), w, s, r) for f, p, w, s, r in FONT_FACES]
        roots = {stylesheet.parent, *(p.parent for _, p, *_ in font_paths)}
        self.fetcher = OfflineFetcher(sorted(roots))
        self.font_config = FontConfiguration()
        faces = "\n".join(
            f'@font-face {{ font-family: "{family}"; src: url("{path.as_uri()}") format("woff"); '
            f"font-weight: {weight}; font-style: {style}; unicode-range: {urange}; }}"
            for family, path, weight, style, urange in font_paths
        )
        css = f"@page {{ size: {PAGE_SIZES[size]}; margin: 0; }}\n{faces}\n{stylesheet.read_text()}"
        self.stylesheet = CSS(
            string=css, base_url=stylesheet.as_uri(), font_config=self.font_config, url_fetcher=self.fetcher
        )
        self.size = size


_assets_lock = threading.Lock()
_assets: dict[str, _Assets] = {}


def assets() -> _Assets:
    size = page_size()
    with _assets_lock:
        if size not in _assets:
            _assets[size] = _Assets(size)
        return _assets[size]


# --- What the certificate says ---------------------------------------------------------------------


def verification_url(code: str) -> str:
    """The public page a QR code and a printed certificate point to."""
    return settings.SITE_URL + reverse("verify", kwargs={"code": code})


@lru_cache(maxsize=256)  # bounded: a worker renders thousands of distinct codes
def qr_for(url: str) -> segno.QRCode:
    return segno.make(url, error="m", micro=False)


def qr_svg(url: str) -> str:
    """An inline SVG QR code that opens `url` (the payload is exactly `url`), for web pages."""
    return qr_for(url).svg_inline(scale=1, border=0, omitsize=True, dark="#1b2b48", svgclass="qr-code")


def qr_png_data_uri(url: str) -> str:
    """The same QR code as a one-pixel-per-module PNG, for the PDF.

    The PDF draws it without interpolation (image-rendering: pixelated), so every module prints as a
    sharp square; WeasyPrint draws this in a tenth of the time it takes to draw the SVG path.
    """
    return qr_for(url).png_data_uri(scale=1, border=0, dark="#1b2b48")


def level_phrase(level: str) -> str:
    return CertificateLevel(level).label


def acknowledgement(issuer: str, name: str, level: str) -> str:
    """DOMAIN.md's public wording: "[issuer] acknowledges [Name] has completed NMT Training Certification
    through the Phase I | Phase II/Train-the-Trainer (TTT) level"; Re-Certification says so plainly."""
    if level == CertificateLevel.RECERTIFICATION:
        return f"{issuer} acknowledges {name} has completed NMT Re-Certification, renewing NMT Training Certification"
    return f"{issuer} acknowledges {name} has completed NMT Training Certification through the {level_phrase(level)} level"


def _long_date(value: date) -> str:
    return f"{value:%B} {value.day}, {value.year}"


def certificate_context(certificate: Certificate) -> dict[str, Any]:
    url = verification_url(certificate.verification_code)
    recert = certificate.level == CertificateLevel.RECERTIFICATION
    return {
        "c": certificate,
        "issuer": certificate.issuer_name,
        "name": certificate.legal_name,
        "level": level_phrase(certificate.level),
        "is_recertification": recert,
        "acknowledgement": acknowledgement(
            certificate.issuer_name, certificate.legal_name, certificate.level
        ),
        "completion_date": _long_date(certificate.completion_date),
        "issue_date": _long_date(certificate.issue_date),
        "verify_url": url,
        "verify_display": url.split("://", 1)[-1],
        "qr_png": qr_png_data_uri(url),
    }


def certificate_html(certificate: Certificate) -> str:
    return render_to_string("certificates/pdf/certificate.html", certificate_context(certificate))


def render_pdf(certificate: Certificate) -> bytes:
    """One certificate as a PDF (one landscape page)."""
    return render_html_pdf(certificate_html(certificate))


def render_html_pdf(html: str) -> bytes:
    a = assets()
    document = HTML(string=html, url_fetcher=a.fetcher, base_url=a.stylesheet.base_url)
    return document.write_pdf(stylesheets=[a.stylesheet], font_config=a.font_config)


def render_floor_pdf() -> bytes:
    """A minimal one-line WeasyPrint page: the benchmark's floor for a certificate."""
    return HTML(string="<p>NMT</p>").write_pdf()


def pdf_filename(certificate: Certificate) -> str:
    return f"{certificate.number}.pdf"

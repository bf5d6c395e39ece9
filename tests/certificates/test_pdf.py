"""The certificate PDF: what it says, its QR code, its paper, and that rendering stays offline."""

from __future__ import annotations

import io
from typing import Any

import pytest
from pypdf import PdfReader

from certificates import rendering
from certificates.services import certificate_issue
from tests.certificates.factories import completed_enrollment, profile

pytestmark = pytest.mark.django_db


@pytest.fixture
def certificate(cast: Any) -> Any:
    profile(cast.participant, "Dr. Marisol Álvarez-Whitfield")
    return certificate_issue(actor=cast.admin, enrollment=completed_enrollment(cast.participant))


def _text(pdf: bytes) -> str:
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) == 1
    return " ".join(reader.pages[0].extract_text().split())


def test_it_prints_the_name_level_number_and_code(certificate: Any) -> None:
    text = _text(rendering.render_pdf(certificate))
    assert "Dr. Marisol Álvarez-Whitfield" in text
    assert "Phase I" in text
    assert certificate.number in text
    assert certificate.verification_code in text.replace(" ", "")
    assert "The Neurosequential Network acknowledges" in text
    assert "has completed NMT Training Certification through the" in text
    # The policy's statement: exposure to training, not competence; no affiliation or endorsement.
    assert "not a certification of clinical competence" in text
    assert "endorsement" in text


def test_the_qr_code_opens_the_verification_url(certificate: Any, settings: Any) -> None:
    url = rendering.verification_url(certificate.verification_code)
    assert url == f"{settings.SITE_URL}/verify/{certificate.verification_code}/"
    # The QR code's payload is exactly that URL (segno keeps what it encoded) …
    qr = rendering.qr_for(url)
    assert qr.is_micro is False
    # … and the certificate embeds that very QR code, as an image the size of its module matrix …
    context = rendering.certificate_context(certificate)
    assert context["qr_png"] == rendering.qr_png_data_uri(url)
    assert rendering.qr_png_data_uri(url) in rendering.certificate_html(certificate)
    reader = PdfReader(io.BytesIO(rendering.render_pdf(certificate)))
    page = reader.pages[0]
    images = list(page.images)
    assert len(images) == 1
    width, height = images[0].image.size
    assert (width, height) == qr.symbol_size(scale=1, border=0)
    # … and its modules are those of the QR code for the URL, pixel for pixel.
    pixels = images[0].image.convert("L")
    matrix = [[1 if pixels.getpixel((x, y)) < 128 else 0 for x in range(width)] for y in range(height)]
    assert matrix == [list(row) for row in qr.matrix]
    # The QR code is also a link to the same page in PDF viewers.
    links = [a.get_object()["/A"]["/URI"] for a in page["/Annots"]]
    assert url in links


def test_the_qr_payload_function_returns_the_verification_url(certificate: Any) -> None:
    url = rendering.verification_url(certificate.verification_code)
    svg = rendering.qr_svg(url)
    assert svg.startswith("<svg") and "qr-code" in svg
    assert rendering.qr_for(url) is rendering.qr_for(url)  # one encoding per URL, reused


@pytest.mark.parametrize(("size", "points"), [("letter", (792, 612)), ("A4", (842, 595))])
def test_it_is_landscape_on_the_configured_paper(
    certificate: Any, settings: Any, size: str, points: Any
) -> None:
    settings.CERTIFICATE_PAGE_SIZE = size
    box = PdfReader(io.BytesIO(rendering.render_pdf(certificate))).pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == points


def test_it_embeds_the_shipped_fonts(certificate: Any) -> None:
    reader = PdfReader(io.BytesIO(rendering.render_pdf(certificate)))
    fonts = {str(f["/BaseFont"]) for f in reader.pages[0]["/Resources"]["/Font"].values()}
    # Only the shipped faces (Cinzel as "NMT Display", EB Garamond as "NMT Serif"): no system fallback.
    assert {f.split("+", 1)[1] for f in fonts} == {"NMT-Display-Semi-Bold", "NMT-Serif", "NMT-Serif-Italic"}


def test_re_certification_is_worded_as_such(cast: Any) -> None:
    certificate = certificate_issue(
        actor=cast.admin, enrollment=completed_enrollment(cast.participant, phase="recertification")
    )
    text = _text(rendering.render_pdf(certificate))
    assert "has completed NMT Re-Certification" in text
    assert "renewing NMT Training Certification" in text


def test_rendering_never_fetches_from_the_network(tmp_path: Any) -> None:
    fetcher = rendering.assets().fetcher
    for url in ("http://example.org/x.png", "https://example.org/font.woff", "ftp://example.org/a"):
        with pytest.raises(ValueError, match="offline"):
            fetcher(url)
    outside = tmp_path / "secret.txt"
    outside.write_text("no")
    with pytest.raises(ValueError, match="outside"):
        fetcher(outside.as_uri())


def test_a_name_with_markup_is_text_not_html(cast: Any) -> None:
    profile(cast.participant, '<img src="http://evil.example/x.png"> Pat')
    certificate = certificate_issue(actor=cast.admin, enrollment=completed_enrollment(cast.participant))
    text = _text(rendering.render_pdf(certificate))
    assert '<img src="http://evil.example/x.png"> Pat' in text

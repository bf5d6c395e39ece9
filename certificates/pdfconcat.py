"""Append the pages of many small PDFs to one PDF file on disk, in constant memory.

pypdf's PdfWriter keeps every appended object in memory until it writes, so a combined file of
thousands of certificates would grow the worker's memory with the batch. Here each input PDF is parsed
(by pypdf), its objects are written straight to the output with their numbers shifted, and only the
byte offsets of the objects (one int each) and the page references are kept until the end, when the
page tree, the catalog and the cross-reference table are written.
"""

from __future__ import annotations

import io
from typing import BinaryIO

from pypdf import PdfReader
from pypdf.generic import (
    ArrayObject,
    DictionaryObject,
    IndirectObject,
    NameObject,
    NumberObject,
    PdfObject,
    StreamObject,
)

_INHERITABLE = ("/Resources", "/MediaBox", "/CropBox", "/Rotate")
_SKIPPED_TYPES = {"/Catalog", "/Pages", "/ObjStm", "/XRef"}


class PdfAppender:
    """Usage: `with open(path, "wb") as f: a = PdfAppender(f); a.append(pdf_bytes); ...; a.close()`."""

    def __init__(self, out: BinaryIO) -> None:
        self.out = out
        self.offsets: list[int] = [0]  # index = object number; 0 is the free head
        self.page_numbers: list[int] = []
        self._write(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
        # Object 1 is the page tree, object 2 the catalog: reserved now, written at the end.
        self.offsets += [0, 0]
        self.pages_ref = 1
        self.catalog_ref = 2
        self.closed = False

    def _write(self, data: bytes) -> None:
        self.out.write(data)

    def _tell(self) -> int:
        return self.out.tell()

    @property
    def page_count(self) -> int:
        return len(self.page_numbers)

    def append(self, pdf: bytes) -> int:
        """Append every page of `pdf`; returns how many pages it had."""
        reader = PdfReader(io.BytesIO(pdf))
        size = int(reader.trailer["/Size"])  # type: ignore[call-overload]
        base = len(self.offsets) - 1  # old object n becomes base + n
        self.offsets += [0] * (size - 1)
        page_ids = {page.indirect_reference.idnum: page for page in reader.pages}  # type: ignore[union-attr]
        for number in range(1, size):
            try:
                obj = reader.get_object(number)
            except Exception:  # a free entry
                obj = None
            if obj is None:
                self.offsets[base + number] = -1
                continue
            if number in page_ids:
                obj = self._page_dict(page_ids[number])
            elif isinstance(obj, DictionaryObject) and obj.get("/Type") in _SKIPPED_TYPES:
                self.offsets[base + number] = -1
                continue
            self.offsets[base + number] = self._tell()
            self._write(f"{base + number} 0 obj\n".encode())
            self._serialize(obj, base)
            self._write(b"\nendobj\n")
        self.page_numbers += [base + n for n in page_ids]
        return len(page_ids)

    def _page_dict(self, page: DictionaryObject) -> DictionaryObject:
        """The page with /Parent pointing at our page tree and inherited attributes made explicit."""
        result = DictionaryObject({k: v for k, v in page.items() if k != "/Parent"})
        for key in _INHERITABLE:
            if key not in result:
                node = page.get("/Parent")
                while node is not None:
                    node = node.get_object()
                    if key in node:
                        result[NameObject(key)] = node[key]
                        break
                    node = node.get("/Parent")
        result[NameObject("/Parent")] = _Ref(self.pages_ref)
        return result

    def _serialize(self, obj: PdfObject, base: int) -> None:
        if isinstance(obj, _Ref):
            self._write(f"{obj.number} 0 R".encode())
        elif isinstance(obj, IndirectObject):
            self._write(f"{obj.idnum + base} 0 R".encode())
        elif isinstance(obj, StreamObject):
            data = obj._data  # the encoded bytes, exactly as in the input
            header = DictionaryObject({k: v for k, v in obj.items() if k != "/Length"})
            header[NameObject("/Length")] = NumberObject(len(data))
            self._serialize(header, base)
            self._write(b"\nstream\n")
            self._write(data)
            self._write(b"\nendstream")
        elif isinstance(obj, DictionaryObject):
            self._write(b"<<")
            for key, value in obj.items():
                self._write(b" ")
                NameObject(key).write_to_stream(self.out)
                self._write(b" ")
                self._serialize(value, base)
            self._write(b" >>")
        elif isinstance(obj, ArrayObject):
            self._write(b"[")
            for i, item in enumerate(obj):
                if i:
                    self._write(b" ")
                self._serialize(item, base)
            self._write(b"]")
        else:
            obj.write_to_stream(self.out)

    def close(self) -> None:
        """Write the page tree, the catalog, the cross-reference table and the trailer."""
        if self.closed:
            return
        kids = " ".join(f"{n} 0 R" for n in self.page_numbers)
        self.offsets[self.pages_ref] = self._tell()
        self._write(
            f"{self.pages_ref} 0 obj\n<< /Type /Pages /Count {len(self.page_numbers)} /Kids [{kids}] >>\nendobj\n".encode()
        )
        self.offsets[self.catalog_ref] = self._tell()
        self._write(
            f"{self.catalog_ref} 0 obj\n<< /Type /Catalog /Pages {self.pages_ref} 0 R >>\nendobj\n".encode()
        )
        xref_at = self._tell()
        self._write(f"xref\n0 {len(self.offsets)}\n".encode())
        self._write(b"0000000000 65535 f \n")
        for offset in self.offsets[1:]:
            if offset < 0:
                self._write(b"0000000000 65535 f \n")
            else:
                self._write(f"{offset:010d} 00000 n \n".encode())
        self._write(
            f"trailer\n<< /Size {len(self.offsets)} /Root {self.catalog_ref} 0 R >>\nstartxref\n{xref_at}\n%%EOF\n".encode()
        )
        self.closed = True


class _Ref(PdfObject):
    """A reference to one of the appender's own objects (not shifted)."""

    def __init__(self, number: int) -> None:
        self.number = number

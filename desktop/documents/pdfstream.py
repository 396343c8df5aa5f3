"""A reportlab canvas that writes each finished page to the file at once.

reportlab's own canvas keeps every page's content in memory and builds the whole file in
memory on ``save()``, so a building's thousand receipts would cost memory in proportion. Here
each page's content stream and page dictionary are written out by ``showPage()`` and only
their object numbers and offsets are kept; ``save()`` writes the objects that can only be
known at the end (the fonts' glyph subsets, the page tree, the catalogue) and the
cross-reference table. The objects are numbered exactly as reportlab numbers them, so the
file is the one reportlab would have made, in a different order.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, BinaryIO

from reportlab.pdfbase import pdfdoc
from reportlab.pdfgen.canvas import Canvas

from desktop.documents.fonts import forget_document

if TYPE_CHECKING:
    from hashlib import _Hash

    # Attributes reportlab sets on these objects, which their stubs do not declare.
    class _Info(pdfdoc.PDFInfo):
        invariant: bool | int

    class _Catalog(pdfdoc.PDFCatalog):
        Outlines: pdfdoc.PDFOutlines | None


class _Written(pdfdoc.PDFObject):
    """Stands for an object already in the file: its number and offset are all that is kept."""

    def format(self, document: Any) -> bytes:  # pragma: no cover - never formatted again
        raise AssertionError("an object already written was formatted again")


_WRITTEN = _Written()


class _StreamingDocument(pdfdoc.PDFDocument):
    # reportlab's internals used here, which its stubs leave out (or type more loosely).
    _pdfVersion: tuple[int, int]
    signature: _Hash
    Catalog: _Catalog
    Pages: pdfdoc.PDFPages
    Outlines: pdfdoc.PDFOutlines  # never the dummy: ``dummyoutline`` is not passed
    info: _Info

    def __init__(self, out: BinaryIO, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._out = out
        self._offset = 0
        self._written: set[str] = set()

    def _emit(self, data: bytes) -> int:
        offset = self._offset
        self._out.write(data)
        self._offset += len(data)
        return offset

    def _header(self) -> None:
        if self._offset == 0:
            version = "%s.%s" % self._pdfVersion  # noqa: UP031 - a (major, minor) tuple
            self._emit(f"%PDF-{version}\n%\223\214\213\236 ReportLab\n".encode("latin-1"))

    def _write(self, name: str) -> None:
        """Format one registered object, append it to the file and forget its content."""
        obj = self.idToObject[name]
        data = pdfdoc.PDFIndirectObject(name, obj).format(self)
        self.idToOffset[name] = self._emit(data)
        self.idToObject[name] = _WRITTEN
        self._written.add(name)

    def flush_page(self) -> None:
        """Write the page just added (its content stream, then its dictionary)."""
        self._header()
        pages = self.Pages.pages
        page = pages[-1]
        stream = pdfdoc.PDFStream()
        if page.compression:
            stream.filters = [pdfdoc.PDFZCompress]
        stream.content = page.stream
        page.stream = None
        page.Contents = stream
        contents = self.Reference(stream)
        self._write(contents.name)
        name = page.__InternalName__
        self._write(name)
        pages[-1] = pdfdoc.PDFObjectReference(name)

    def finish(self, canvas: Canvas) -> None:
        """Write the remaining objects, the cross-reference table and the trailer."""
        if not isinstance(self.encrypt, pdfdoc.NoEncryption):
            raise NotImplementedError("streamed PDFs are not encrypted")
        self._header()
        # What GetPDFData and format() do before formatting, in the same order.
        for font in self.delayedFonts:
            font.addObjects(self)
        self.info.invariant = self.invariant
        self.info.digest(self.signature)
        self.Reference(self.Catalog)
        self.Reference(self.info)
        self.Outlines.prepare(self, canvas)
        if self.Outlines.ready == -1:  # prepare() leaves -1 (no outline) or 1
            self.Catalog.Outlines = None
        catalog = self.Reference(self.Catalog)
        info = self.Reference(self.info)
        ids = []
        number = 0
        # New objects may be registered while others are formatted: walk until none is left.
        while number + 1 in self.numberToId:
            number += 1
            name = self.numberToId[number]
            if name not in self._written:
                self._write(name)
            ids.append(name)
        xref = pdfdoc.PDFCrossReferenceTable()
        xref.addsection(0, ids)
        start = self._emit(xref.format(self))
        trailer = pdfdoc.PDFTrailer(
            startxref=start, Size=len(ids) + 1, Root=catalog, Info=info, ID=self.ID()
        )
        self._emit(trailer.format(self))


class StreamingCanvas(Canvas):
    """A canvas whose pages go to ``out`` as they are finished; ``save()`` completes the file.
    ``out`` is a binary stream that is only written to, never sought."""

    # reportlab's internals used here, which its stubs leave out.
    _doc: _StreamingDocument  # once __init__ has replaced the canvas's own document
    _code: list[str]
    _pageCompression: bool | int | None
    _make_preamble: Callable[[], None]

    def __init__(self, out: BinaryIO, **kwargs: Any) -> None:
        super().__init__(out, **kwargs)
        self._doc = _StreamingDocument(
            out,
            compression=self._pageCompression,
            invariant=self._doc.invariant,
            pdfVersion=self._doc._pdfVersion,
        )
        # The preamble may name the initial font in the document it was made for.
        self._make_preamble()

    def showPage(self) -> None:
        super().showPage()
        self._doc.flush_page()

    def save(self) -> None:
        if len(self._code):
            self.showPage()
        self._doc.finish(self)

    def discard(self) -> None:
        """Give up the document (a cancelled or failed batch) without leaking its state."""
        forget_document(self._doc)

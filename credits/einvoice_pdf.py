"""The credit note's PDF as a Factur-X e-invoice (SPEC 5): WeasyPrint writes PDF/A-3b with the
CII XML embedded as `factur-x.xml` (relationship Alternative: the XML is the invoice, the PDF its
human-readable twin) and the Factur-X XMP extension (document type INVOICE, conformance level
EN 16931), built by the factur-x library."""

from functools import cache
from io import BytesIO

from facturx import facturx as fx
from lxml import etree
from weasyprint import HTML, Attachment

XML_NAME = fx.FACTURX_FILENAME  # "factur-x.xml"
LEVEL = "en16931"
RDF = "{http://www.w3.org/1999/02/22-rdf-syntax-ns#}"


@cache
def facturx_xmp() -> bytes:
    """The two rdf:Description blocks Factur-X adds to the PDF's XMP: the extension schema that
    PDF/A requires for the `fx` namespace, and the `fx` properties themselves."""
    root = fx.generate_xmp_object(
        {
            "pdfa3_flavor": "B",
            "title": "",
            "author": "",
            "subject": "",
            "producer": "",
            "creator_tool": "",
            "timestamp": "",
            "version": "1.0",
            "documenttype": "INVOICE",
            "xml_filename": XML_NAME,
            "xmp_level": fx.FACTURX_LEVEL2xmp[LEVEL],
            "urn": "urn:factur-x:pdfa:CrossIndustryDocument:invoice:1p0#",
        }
    )
    descriptions = root.findall(f"{RDF}RDF/{RDF}Description")
    return b"\n".join(etree.tostring(d) for d in descriptions[-2:])


def facturx_pdf(html: str, xml: bytes, *, base_url: str, url_fetcher=None) -> bytes:
    """`html` rendered as PDF/A-3b with `xml` embedded as the Factur-X invoice."""
    document = HTML(string=html, base_url=base_url, url_fetcher=url_fetcher).render()
    document.metadata.xmp_metadata.append(facturx_xmp())
    return document.write_pdf(
        pdf_variant="pdf/a-3b",
        attachments=[
            Attachment(
                file_obj=BytesIO(xml),
                name=XML_NAME,
                description="Factur-X / ZUGFeRD e-invoice (EN 16931)",
                relationship="Alternative",
            )
        ],
    )

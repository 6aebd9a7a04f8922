"""The credit note PDF as a Factur-X e-invoice (issue 11): PDF/A-3b, the XML embedded as
factur-x.xml with the relationship Alternative, the Factur-X XMP; read back with pypdf and with the
factur-x library. No database."""

import io
import re

import facturx
from lxml import etree
from pypdf import PdfReader

from credits.einvoice import cii_xml
from credits.einvoice_pdf import facturx_pdf
from tests.credits.helpers.einvoice import note, position

HTML = "<html lang='de'><body><h1>Gutschrift GS-2025-00001</h1><p>1.234,56 €</p></body></html>"


def test_the_pdf_carries_the_invoice_xml_as_its_alternative():
    xml = cii_xml(note(position("1234.56")))
    pdf = facturx_pdf(HTML, xml, base_url="/")
    catalog = PdfReader(io.BytesIO(pdf)).trailer["/Root"]
    files = {spec.get_object()["/F"]: spec.get_object() for spec in catalog["/AF"]}
    assert list(files) == ["factur-x.xml"]
    spec = files["factur-x.xml"]
    assert spec["/AFRelationship"] == "/Alternative"
    assert spec["/EF"]["/F"].get_object()["/Subtype"] == "/text/xml"

    name, embedded = facturx.get_facturx_xml_from_pdf(pdf, check_xsd=True)
    assert (name, embedded) == ("factur-x.xml", xml)
    assert facturx.get_level(etree.fromstring(embedded)) == "en16931"


def test_the_metadata_say_pdf_a_3b_and_factur_x_en_16931():
    pdf = facturx_pdf(HTML, cii_xml(note(position("10.00"))), base_url="/")
    xmp = PdfReader(io.BytesIO(pdf)).trailer["/Root"]["/Metadata"].get_object().get_data()
    xmp = xmp.decode()
    assert re.search(r'pdfaid:part(="|>)3', xmp) and re.search(r'pdfaid:conformance(="|>)B', xmp)
    assert "<fx:DocumentType>INVOICE</fx:DocumentType>" in xmp
    assert "<fx:DocumentFileName>factur-x.xml</fx:DocumentFileName>" in xmp
    assert "<fx:ConformanceLevel>EN 16931</fx:ConformanceLevel>" in xmp
    assert "pdfaExtension:schemas" in xmp  # PDF/A needs the fx namespace declared

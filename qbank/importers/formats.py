"""The import formats, and choosing one for an upload from its content.

Every importer module offers ``FORMAT``, ``LABEL``, ``sniff(data, filename)`` and
``parse(data, source)``.
"""

from __future__ import annotations

from types import ModuleType

from qbank.importers import anki, gift, moodle_xml, qbank_csv, qbank_json
from qbank.importers.drafts import ParseResult, check_texts

# Order matters for detection: the most distinctive signatures first.
IMPORTERS: dict[str, ModuleType] = {
    m.FORMAT: m for m in (anki, qbank_json, moodle_xml, qbank_csv, gift)
}


def format_choices() -> list[tuple[str, str]]:
    return [(name, module.LABEL) for name, module in IMPORTERS.items()]


def detect_format(data: bytes, filename: str) -> str | None:
    """Name the format of an upload from its content (and, failing that, its name)."""
    for name, module in IMPORTERS.items():
        if module.sniff(data, filename):
            return name
    return None


def parse_upload(
    data: bytes, filename: str, fmt: str | None = None
) -> tuple[str | None, ParseResult]:
    """Parse an upload in ``fmt``, or in the format its content shows, and check its texts."""
    if not data.strip():
        result = ParseResult()
        result.error(filename, "the file is empty. Choose the file with your questions.")
        return fmt, result
    fmt = fmt or detect_format(data, filename)
    if fmt not in IMPORTERS:
        result = ParseResult()
        labels = ", ".join(module.LABEL for module in IMPORTERS.values())
        result.error(
            filename,
            f"qbank could not tell what format this file is in. Choose the format from the "
            f"list ({labels}) and upload it again.",
        )
        return None, result
    result = IMPORTERS[fmt].parse(data, filename)
    check_texts(result, filename)
    return fmt, result

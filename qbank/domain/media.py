"""What an uploaded file really is, judged from its bytes, not its name."""

from __future__ import annotations

# Raster formats browsers show safely; SVG is refused (it can carry script).
IMAGE_SIGNATURES: list[tuple[bytes, int, str]] = [
    (b"\x89PNG\r\n\x1a\n", 0, "image/png"),
    (b"\xff\xd8\xff", 0, "image/jpeg"),
    (b"GIF87a", 0, "image/gif"),
    (b"GIF89a", 0, "image/gif"),
]


def sniff_image(data: bytes) -> str | None:
    """Return the content type of a PNG, JPEG, GIF or WebP image, or None for anything else."""
    for signature, offset, content_type in IMAGE_SIGNATURES:
        if data[offset : offset + len(signature)] == signature:
            return content_type
    if len(data) >= 12 and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return None


def looks_like_svg(data: bytes) -> bool:
    head = data[:1024].lstrip().lower()
    return head.startswith(b"<svg") or (head.startswith(b"<?xml") and b"<svg" in head)


# What other files sent as images usually are, by their first bytes.
_OTHER_SIGNATURES: list[tuple[bytes, int, str]] = [
    (b"%PDF", 0, "a PDF document"),
    (b"PK\x03\x04", 0, "a zip archive (a Word or Excel file is one)"),
    (b"\xd0\xcf\x11\xe0", 0, "an old Office document"),
    (b"II*\x00", 0, "a TIFF image"),
    (b"MM\x00*", 0, "a TIFF image"),
    (b"BM", 0, "a BMP image"),
    (b"\x00\x00\x01\x00", 0, "an icon (.ico)"),
    (b"ftyp", 4, "a HEIC image or a video"),
    (b"ID3", 0, "a sound file"),
    (b"OggS", 0, "a sound or video file"),
    (b"\x1a\x45\xdf\xa3", 0, "a video"),
]


def describe_content(data: bytes) -> str:
    """Say what bytes that are not an image qbank keeps really are: "an HTML page" ..."""
    if not data.strip():
        return "empty"
    if looks_like_svg(data):
        return "an SVG image"
    head = data[:1024].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if head.startswith((b"<!doctype html", b"<html")) or b"<body" in head or b"<script" in head:
        return "an HTML page"
    for signature, offset, what in _OTHER_SIGNATURES:
        if data[offset : offset + len(signature)] == signature:
            return what
    if head.startswith(b"<"):
        return "an XML or HTML document"
    try:
        data[:4096].decode("utf-8")
    except UnicodeDecodeError:
        return "a file of a kind qbank does not know"
    return "a text file"


def image_refusal(data: bytes) -> str | None:
    """Say why qbank will not keep these bytes as an image, or None if it will."""
    if sniff_image(data) is not None:
        return None
    what = describe_content(data)
    if what == "an SVG image":
        return "it is an SVG image, which qbank refuses because SVG can carry scripts"
    return f"it is {what}, not a PNG, JPEG, GIF or WebP image"

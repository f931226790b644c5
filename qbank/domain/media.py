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

"""Rasterise a signature drawn on the technician's screen into a PNG (pure, stdlib).

The customer signs with a finger on a canvas; the app keeps the strokes as points and
uploads this PNG as the signature of the electronic work order. No imaging library is
needed on the phone.
"""

from __future__ import annotations

import struct
import zlib

Point = tuple[float, float]


def _chunk(kind: bytes, data: bytes) -> bytes:
    return (
        struct.pack(">I", len(data))
        + kind
        + data
        + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    )


def encode_png(pixels: list[bytearray], width: int, height: int) -> bytes:
    """8-bit greyscale PNG from rows of bytes (0 = black ink, 255 = paper)."""
    raw = b"".join(b"\x00" + bytes(row) for row in pixels)
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", zlib.compress(raw, 9))
        + _chunk(b"IEND", b"")
    )


def render(strokes: list[list[Point]], width: int = 360, height: int = 160, pen: int = 2) -> bytes:
    """Strokes in canvas coordinates → PNG of the given size (points outside are clipped)."""
    pixels = [bytearray(b"\xff" * width) for _ in range(height)]

    def dot(x: int, y: int) -> None:
        for dy in range(-pen // 2, pen // 2 + 1):
            for dx in range(-pen // 2, pen // 2 + 1):
                px, py = x + dx, y + dy
                if 0 <= px < width and 0 <= py < height:
                    pixels[py][px] = 0

    for stroke in strokes:
        if len(stroke) == 1:
            dot(round(stroke[0][0]), round(stroke[0][1]))
        for (x0, y0), (x1, y1) in zip(stroke, stroke[1:], strict=False):
            steps = max(1, int(max(abs(x1 - x0), abs(y1 - y0))))
            for i in range(steps + 1):
                t = i / steps
                dot(round(x0 + (x1 - x0) * t), round(y0 + (y1 - y0) * t))
    return encode_png(pixels, width, height)


def ink_points(strokes: list[list[Point]]) -> int:
    """How much was drawn: a signature needs some ink, not a tap."""
    return sum(len(s) for s in strokes)

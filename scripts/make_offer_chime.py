"""Write ``assets/sounds/offer.wav``: the chime the technician app rings for a new offer.

Three rising tones (a major triad), each with a soft attack and a bell-like decay, one
second in all: loud enough to hear in a pocket, short enough to ring again for the next
offer. 16-bit mono at 22 050 Hz (about 45 kB). Run again to change it; the file is
committed so the apps need nothing at run time.
"""

from __future__ import annotations

import math
import struct
import wave
from pathlib import Path

RATE = 22_050
OUT = Path(__file__).resolve().parents[1] / "assets" / "sounds" / "offer.wav"
NOTES = ((659.25, 0.0), (830.61, 0.18), (987.77, 0.36))  # E5, G#5, B5: start (s)
LENGTH_S = 1.0


def sample(t: float) -> float:
    total = 0.0
    for freq, start in NOTES:
        dt = t - start
        if dt < 0:
            continue
        attack = min(1.0, dt / 0.01)
        decay = math.exp(-dt * 5.0)
        tone = math.sin(2 * math.pi * freq * dt) + 0.3 * math.sin(4 * math.pi * freq * dt)
        total += attack * decay * tone
    return total / 2.2


def main() -> None:
    frames = bytearray()
    for i in range(int(RATE * LENGTH_S)):
        value = max(-1.0, min(1.0, sample(i / RATE)))
        frames += struct.pack("<h", int(value * 32_000))
    OUT.parent.mkdir(parents=True, exist_ok=True)
    with wave.open(str(OUT), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(RATE)
        w.writeframes(bytes(frames))
    print(f"wrote {OUT} ({OUT.stat().st_size} bytes)")


if __name__ == "__main__":
    main()

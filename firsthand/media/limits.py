"""How much a single upload may cost us: bytes, pixels, frames, seconds, and tool budgets.

The defaults fit a phone's photos (a 48 MP iPhone photo is 48.8 million pixels) and a
few minutes of 4K video, and stop decompression bombs long before they cost real memory.
"""

from __future__ import annotations

from dataclasses import dataclass

MiB = 1024 * 1024


@dataclass(frozen=True)
class Limits:
    max_image_bytes: int = 64 * MiB
    max_video_bytes: int = 2048 * MiB
    # One frame of a still or animated image. Pillow's own bomb guard (MAX_IMAGE_PIXELS,
    # 89 million) is higher; we refuse before Pillow allocates anything.
    max_pixels: int = 60_000_000
    # All frames of an animation together (each frame is decoded to full size).
    max_total_pixels: int = 300_000_000
    max_frames: int = 2000
    max_video_pixels: int = 8192 * 4320  # 8K
    max_video_seconds: float = 2 * 3600.0
    # Every external tool run (ffmpeg, ffprobe, exiftool): wall clock, CPU and address space.
    tool_seconds: float = 600.0
    tool_cpu_seconds: int = 1200
    tool_memory_bytes: int = 4096 * MiB

    def max_bytes(self, category: str) -> int:
        return self.max_video_bytes if category == "video" else self.max_image_bytes


DEFAULT_LIMITS = Limits()

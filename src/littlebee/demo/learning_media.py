"""Small real media for the demo's audio and video lessons (and the tests of uploads), made here
rather than committed: an MP3 chime and a WebM of a traffic light beside an e-bike, encoded with
the FFmpeg libraries PyAV ships. A few tens of kilobytes each, and they play in any phone's
browser like an uploaded lesson would.
"""

from __future__ import annotations

import io
import math
from fractions import Fraction

# A calm five-note phrase (C, E, G, E, C), repeated: pleasant enough to listen to in the demo.
NOTES = (523.25, 659.25, 783.99, 659.25, 523.25)


def chime_mp3(seconds: int = 12, *, rate: int = 22_050) -> bytes:
    """An MP3 (mono, 32 kbit/s) of `seconds` of soft notes, each fading out."""
    import av
    import numpy as np

    buffer = io.BytesIO()
    with av.open(buffer, "w", format="mp3") as out:
        stream: av.AudioStream = out.add_stream("libmp3lame", rate=rate, layout="mono")
        stream.bit_rate = 32_000
        total = seconds * rate
        t = np.arange(total) / rate
        note_length = 0.6
        index = (t // note_length).astype(int) % len(NOTES)
        within = t % note_length
        frequency = np.array(NOTES)[index]
        samples = 0.25 * np.sin(2 * math.pi * frequency * t) * np.exp(-4 * within)
        pcm = (samples * 32_767).astype(np.int16)
        chunk = 1152
        for start in range(0, total, chunk):
            frame = av.AudioFrame.from_ndarray(pcm[start : start + chunk].reshape(1, -1), format="s16", layout="mono")
            frame.sample_rate = rate
            frame.pts = start
            frame.time_base = Fraction(1, rate)
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode(None):
            out.mux(packet)
    return buffer.getvalue()


def traffic_light_webm(seconds: int = 12, *, fps: int = 5, width: int = 320, height: int = 180) -> bytes:
    """A WebM (VP8) of a traffic light going red, amber, green while an e-bike waits at the line
    and rides on at green: the point of the demo's video lesson, without words."""
    import av
    from PIL import Image, ImageDraw

    buffer = io.BytesIO()
    with av.open(buffer, "w", format="webm") as out:
        stream: av.VideoStream = out.add_stream("libvpx", rate=fps)
        stream.width, stream.height = width, height
        stream.pix_fmt = "yuv420p"
        stream.bit_rate = 60_000
        frames = seconds * fps
        for n in range(frames):
            share = n / frames
            phase = 0 if share < 0.45 else 1 if share < 0.6 else 2  # red, amber, green
            image = Image.new("RGB", (width, height), (250, 247, 242))
            draw = ImageDraw.Draw(image)
            draw.rectangle((0, 130, width, height), fill=(90, 90, 96))  # the road
            draw.line((150, 130, 150, height), fill=(255, 255, 255), width=4)  # the stop line
            draw.rectangle((250, 20, 290, 120), fill=(40, 40, 44))  # the light
            for i, colour in enumerate(((220, 40, 40), (245, 166, 35), (40, 170, 80))):
                lit = i == phase
                draw.ellipse((258, 26 + i * 31, 282, 50 + i * 31), fill=colour if lit else (70, 70, 74))
            x = 40 + (110 if phase < 2 else 110 + (share - 0.6) / 0.4 * 180)
            draw.ellipse((x - 18, 140, x + 2, 160), outline=(30, 30, 30), width=4)  # wheels
            draw.ellipse((x + 30, 140, x + 50, 160), outline=(30, 30, 30), width=4)
            draw.line((x - 8, 150, x + 16, 132, x + 40, 150), fill=(245, 166, 35), width=5)  # frame
            draw.ellipse((x + 6, 104, x + 26, 124), fill=(245, 166, 35))  # the rider's helmet
            frame = av.VideoFrame.from_image(image)
            frame.pts = n
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode(None):
            out.mux(packet)
    return buffer.getvalue()

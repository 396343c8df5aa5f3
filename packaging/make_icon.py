"""Draws the application's icon, packaging/app.ico: a white house on the accent-blue tile.

Run it again only to change the icon: ``.venv/bin/python packaging/make_icon.py``
(Pillow comes with reportlab). The .ico holds every size Windows asks for, 16 to 256 px.
"""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageDraw

ACCENT = (31, 95, 174, 255)  # ui.theme.ACCENT, #1f5fae
WHITE = (255, 255, 255, 255)
SIZES = [(16, 16), (24, 24), (32, 32), (48, 48), (64, 64), (128, 128), (256, 256)]
OUT = Path(__file__).with_name("app.ico")


def draw(size: int = 1024) -> Image.Image:
    """The icon at ``size`` px, drawn on a 64-unit grid; downscaling smooths the edges."""
    image = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    pen = ImageDraw.Draw(image)
    u = size / 64

    def box(x0: float, y0: float, x1: float, y1: float) -> list[float]:
        return [x0 * u, y0 * u, x1 * u, y1 * u]

    pen.rounded_rectangle(box(2, 2, 62, 62), radius=12 * u, fill=ACCENT)
    pen.polygon([(32 * u, 10 * u), (54 * u, 30 * u), (10 * u, 30 * u)], fill=WHITE)  # roof
    pen.rectangle(box(15, 29, 49, 53), fill=WHITE)  # walls
    pen.rectangle(box(42, 13, 47, 24), fill=WHITE)  # chimney
    pen.rectangle(box(28, 38, 36, 53), fill=ACCENT)  # door
    pen.rectangle(box(19, 34, 25, 40), fill=ACCENT)  # windows
    pen.rectangle(box(39, 34, 45, 40), fill=ACCENT)
    return image


def main() -> None:
    big = draw()
    big.resize((256, 256), Image.Resampling.LANCZOS).save(OUT, format="ICO", sizes=SIZES)
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()

"""Figures with alt text, for demos.

Notebook renderers (nbconvert, mkdocs-jupyter) write ``<img>`` tags without ``alt``, so a
demo shows each figure with :func:`show`: it displays an HTML ``<figure>`` whose image
carries the alt text and a caption, keeps the PNG in the same output for Jupyter, and
closes the figure so the inline backend does not show it a second time, without alt.
"""

from __future__ import annotations

import base64
import html
import io

import matplotlib.pyplot as plt
from matplotlib.figure import Figure

from office_hours.claims import _in_kernel

DPI = 96


def png_bytes(fig: Figure) -> bytes:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=DPI, bbox_inches="tight")
    return buffer.getvalue()


def show(fig: Figure, alt: str) -> None:
    """Display ``fig`` with ``alt`` (what the figure shows, in a sentence) and close it."""
    if not alt.strip():
        raise ValueError("every figure needs alt text that says what it shows")
    png = png_bytes(fig)
    plt.close(fig)
    if not _in_kernel():
        print(f"[figure: {alt}]")
        return
    from IPython.display import display

    encoded = base64.b64encode(png).decode("ascii")
    text = html.escape(alt, quote=True)
    bundle = {
        "text/html": (
            f'<figure class="oh-figure"><img src="data:image/png;base64,{encoded}" alt="{text}">'
            f"<figcaption>{text}</figcaption></figure>"
        ),
        "image/png": encoded,
        "text/plain": f"[figure: {alt}]",
    }
    display(bundle, raw=True)

"""The result of an animation: its frames, the HTML player and the GIF.

An :class:`Animation` holds :class:`Frame` records (a title, the DOT text, the SVG picture
rendered by ``dot``, the ledger rows of the step). In Jupyter it shows as a
self-contained HTML player: the frames are embedded as SVG images, the player is a few
lines of plain JavaScript (play/pause, step, slider, arrow keys), so it needs no kernel and
no network, and works on a static web page too; without JavaScript every frame is shown,
one under the other. ``save("x.gif")`` composes each picture with its ledger rows (rendered
by ``dot`` as well) into an animated GIF with Pillow.
"""

from __future__ import annotations

import base64
import hashlib
import html
import io
import itertools
import json
import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import graphviz

from . import style
from .render import GraphvizNotFoundError

_COUNTER = itertools.count(1)


# ---------------------------------------------------------------- the result


@dataclass(frozen=True)
class Frame:
    """One frame of an :class:`Animation`.

    ``title`` says what happens in this step; ``source`` is the frame's DOT text and
    ``svg`` its picture; ``rows`` are the ledger rows of the step as text lines and
    ``note_html`` the same as an HTML table.
    """

    title: str
    source: str
    svg: str
    rows: tuple[str, ...] = ()
    note_html: str = ""

    def png(self, dpi: float = 96.0) -> bytes:
        """The frame's picture as PNG bytes (rendered with ``dot``)."""
        return render_dot(_with_dpi(self.source, dpi), "png", "Frame.png")


class Animation:
    """A step-through animation of a backward (or forward-mode) pass.

    In Jupyter it shows as an HTML player (``_repr_html_``): buttons to play, pause and
    step, a slider over the frames, and under the picture the ledger row of the step.
    ``str(animation)`` lists the frames' titles. ``.save(path)`` writes ``.gif`` (an
    animated image, needs Pillow) or ``.html`` (a standalone page with the player).

    Attributes:
        kind: ``"backward"`` or ``"forward"``.
        title: what is animated.
        frames: the :class:`Frame` list, in order.
        ledger: the chain-rule ledger (:class:`~autograd_mini.explain.Ledger`) or the
            forward-mode ledger (:class:`~autograd_mini.explain.ForwardLedger`) whose rows
            the frames show.
        interval: seconds per frame when playing.
    """

    def __init__(
        self, kind: str, title: str, frames: Sequence[Frame], ledger: Any, interval: float = 1.2
    ) -> None:
        self.kind = kind
        self.title = title
        self.frames = list(frames)
        self.ledger = ledger
        self.interval = float(interval)

    def __len__(self) -> int:
        return len(self.frames)

    def __iter__(self) -> Iterator[Frame]:
        return iter(self.frames)

    def __getitem__(self, i: int) -> Frame:
        return self.frames[i]

    def __str__(self) -> str:
        lines = [f"{self.title}: {len(self.frames)} frames"]
        for i, frame in enumerate(self.frames):
            lines.append(f"{i:>3}  {frame.title}")
        return "\n".join(lines)

    def __repr__(self) -> str:
        return f"<Animation of the {self.kind} pass: {len(self.frames)} frames; {self.title}>"

    # ------------------------------------------------------------ HTML

    def to_html(self, standalone: bool = False) -> str:
        """The player as HTML: a fragment (for notebooks) or, with ``standalone``, a page."""
        digest = hashlib.sha1("".join(f.source for f in self.frames).encode()).hexdigest()[:10]
        ident = f"am-anim-{digest}-{next(_COUNTER)}"
        n = len(self.frames)
        parts = [
            f'<div class="am-anim" id="{ident}" data-interval="{int(self.interval * 1000)}" '
            f"style=\"font-family:-apple-system,'Segoe UI',Helvetica,Arial,sans-serif;font-size:14px;"
            f'max-width:100%;color:#222">',
            f'<div style="font-weight:600;margin:0 0 6px 0">{html.escape(self.title)}</div>',
            '<div class="am-anim-controls" style="display:none;align-items:center;gap:6px;'
            'flex-wrap:wrap;margin:0 0 6px 0">',
            _button("first", "|◀", "first frame"),
            _button("prev", "◀ step", "previous step"),
            _button("play", "▶ play", "play / pause"),
            _button("next", "step ▶", "next step"),
            _button("last", "▶|", "last frame"),
            f'<input class="am-anim-slider" type="range" min="0" max="{n - 1}" value="0" step="1" '
            f'aria-label="frame" style="flex:1 1 160px;min-width:120px">',
            f'<span class="am-anim-counter" style="font-variant-numeric:tabular-nums">frame 1 of {n}</span>',
            "</div>",
        ]
        for i, frame in enumerate(self.frames):
            svg64 = base64.b64encode(frame.svg.encode("utf-8")).decode("ascii")
            alt = html.escape(f"Frame {i + 1} of {n}: {frame.title}", quote=True)
            parts.append(
                f'<div class="am-anim-frame" data-frame="{i}" style="margin:0 0 10px 0">'
                f'<div class="am-anim-title" style="margin:0 0 4px 0"><b>{i + 1}/{n}</b> '
                f"{html.escape(frame.title)}</div>"
                f'<img src="data:image/svg+xml;base64,{svg64}" alt="{alt}" '
                f'style="max-width:100%;height:auto;display:block;background:#fff">'
                f'<div class="am-anim-note" style="overflow-x:auto">{frame.note_html}</div></div>'
            )
        parts.append("</div>")
        parts.append(f"<script>{_PLAYER_JS.replace('__ID__', json.dumps(ident))}</script>")
        fragment = "".join(parts)
        if not standalone:
            return fragment
        return (
            '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{html.escape(self.title)}</title>"
            "<style>body{margin:8px;background:#fff}table{border-collapse:collapse;font-size:13px}"
            "td,th{border:1px solid #ddd;padding:2px 6px;text-align:left}"
            "caption{font-weight:600;padding:2px 0}</style></head>"
            f"<body>{fragment}</body></html>\n"
        )

    def _repr_html_(self) -> str:
        return self.to_html()

    # ------------------------------------------------------------ files

    def save(self, path: str | os.PathLike[str], *, dpi: float = 96.0, interval: float | None = None) -> Path:
        """Write the animation to ``path``: ``.gif`` (animated, needs Pillow) or ``.html``.

        ``.html`` is a standalone page with the player (no network needed); ``.gif``
        shows each frame's picture above its ledger rows, ``interval`` seconds per frame
        (the first and the last frame twice as long). Parent folders are created.
        Returns the path written.
        """
        target = Path(path)
        suffix = target.suffix.lower()
        if suffix not in (".gif", ".html", ".htm"):
            raise ValueError(
                f"Animation.save: unknown format {target.suffix or '(no suffix)'!r} of {str(path)!r}; "
                f"use a name ending in .gif (an animated image) or .html (a page with the player)"
            )
        target.parent.mkdir(parents=True, exist_ok=True)
        if suffix == ".gif":
            target.write_bytes(self.to_gif(dpi=dpi, interval=interval))
        else:
            target.write_text(self.to_html(standalone=True), encoding="utf-8")
        return target

    def gif_frames(self, dpi: float = 96.0) -> list[Any]:
        """The GIF's frames as Pillow images: each picture above its step's ledger rows."""
        try:
            from PIL import Image
        except ImportError:
            raise ImportError(
                "Animation.save('….gif') needs Pillow, an optional extra: pip install "
                "'autograd-mini[extras]' (or pip install pillow); .save('….html') needs nothing"
            ) from None
        pictures = [Image.open(io.BytesIO(frame.png(dpi))).convert("RGB") for frame in self.frames]
        captions = [
            Image.open(
                io.BytesIO(render_dot(_caption_source(i, len(self.frames), frame, dpi), "png", "save"))
            ).convert("RGB")
            for i, frame in enumerate(self.frames)
        ]
        width = max(max(p.width for p in pictures), max(c.width for c in captions))
        top = max(p.height for p in pictures)
        height = top + max(c.height for c in captions)
        out = []
        for picture, caption in zip(pictures, captions):
            canvas = Image.new("RGB", (width, height), "white")
            canvas.paste(picture, ((width - picture.width) // 2, 0))
            canvas.paste(caption, (0, top))
            out.append(canvas)
        return out

    def to_gif(self, dpi: float = 96.0, interval: float | None = None) -> bytes:
        """The animated GIF as bytes (see :meth:`save`)."""
        frames = self.gif_frames(dpi)
        step = int(1000 * (self.interval if interval is None else interval))
        durations = [step] * len(frames)
        durations[0] = durations[-1] = 2 * step
        palette = [f.quantize(colors=128, dither=0) for f in frames]
        buffer = io.BytesIO()
        palette[0].save(
            buffer,
            format="GIF",
            save_all=True,
            append_images=palette[1:],
            duration=durations,
            loop=0,
            optimize=True,
            disposal=1,
        )
        return buffer.getvalue()


def _button(action: str, text: str, label: str) -> str:
    return (
        f'<button type="button" data-act="{action}" title="{label}" aria-label="{label}" '
        f'style="font:inherit;padding:2px 8px;cursor:pointer">{text}</button>'
    )


# The player: plain ES5, no library, no network. Without JavaScript every frame stays
# visible, one under the other; with it, one frame at a time and the controls.
_PLAYER_JS = """(function(){
var root=document.getElementById(__ID__);
if(!root||root.getAttribute("data-ready"))return;
root.setAttribute("data-ready","1");
var frames=root.querySelectorAll(".am-anim-frame"),n=frames.length,i=0,timer=null;
var controls=root.querySelector(".am-anim-controls"),slider=root.querySelector(".am-anim-slider");
var counter=root.querySelector(".am-anim-counter"),play=root.querySelector('[data-act="play"]');
var ms=parseInt(root.getAttribute("data-interval"),10)||1200,tallest=0,k;
for(k=0;k<n;k++){var note=frames[k].querySelector(".am-anim-note");
if(note&&note.offsetHeight>tallest)tallest=note.offsetHeight;}
for(k=0;k<n;k++){var nt=frames[k].querySelector(".am-anim-note");
if(nt&&tallest)nt.style.minHeight=tallest+"px";}
function show(j){i=Math.max(0,Math.min(n-1,j));
for(var m=0;m<n;m++)frames[m].style.display=(m===i)?"":"none";
slider.value=String(i);counter.textContent="frame "+(i+1)+" of "+n;}
function stop(){if(timer!==null){clearInterval(timer);timer=null;}play.textContent="\\u25b6 play";}
function start(){if(i>=n-1)show(0);play.textContent="\\u23f8 pause";
timer=setInterval(function(){if(i>=n-1){stop();}else{show(i+1);}},ms);}
controls.style.display="flex";
controls.addEventListener("click",function(ev){var b=ev.target.closest?ev.target.closest("button"):ev.target;
if(!b)return;var act=b.getAttribute("data-act");
if(act==="play"){if(timer===null)start();else stop();return;}
stop();if(act==="first")show(0);else if(act==="prev")show(i-1);
else if(act==="next")show(i+1);else if(act==="last")show(n-1);});
slider.addEventListener("input",function(){stop();show(parseInt(slider.value,10));});
root.addEventListener("keydown",function(ev){if(ev.key==="ArrowRight"){stop();show(i+1);}
else if(ev.key==="ArrowLeft"){stop();show(i-1);}});
show(0);
})();"""


# ---------------------------------------------------------------- rendering helpers


def render_dot(source: str, fmt: str, who: str) -> bytes:
    try:
        data: bytes = graphviz.Source(source).pipe(format=fmt)
    except graphviz.ExecutableNotFound as err:
        raise GraphvizNotFoundError(f"{who}: rendering the animation's frames") from err
    return data


def _with_dpi(source: str, dpi: float) -> str:
    head, _, rest = source.partition("{")
    return f'{head}{{\n\tdpi="{dpi:g}"{rest}'


def _caption_source(i: int, n: int, frame: Frame, dpi: float) -> str:
    """A DOT graph of one plain node: the frame's title and ledger rows (for the GIF)."""
    rows = [f'<TR><TD ALIGN="LEFT"><B>{escape(f"{i + 1}/{n}  {frame.title}")}</B></TD></TR>']
    rows += [f'<TR><TD ALIGN="LEFT">{escape(line)}</TD></TR>' for line in frame.rows]
    table = '<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="0" CELLPADDING="2">' + "".join(rows) + "</TABLE>"
    return (
        f'digraph caption {{ dpi="{dpi:g}"; pad="0.1"; margin="0"; '
        f'node [shape=plain, fontname="{style.FONT}", fontsize="11", fontcolor="{style.TEXT}"]; '
        f"c [label=<{table}>] }}"
    )


def escape(text: str) -> str:
    return html.escape(text, quote=False)

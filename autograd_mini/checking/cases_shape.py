"""Check cases of the padding and sliding-window ops (issue 13, shape and indexing).

Merged into :data:`autograd_mini.checking.cases.SPECS`. Every pad mode is checked with
widths larger than 1 on odd sizes (and reflect/symmetric/wrap wider than the axis, which
NumPy allows); windows overlapping, strided with a left-over tail, dilated and over
several axes; and each adjoint op on its own, so the pairs pad ↔ pad_adjoint and
sliding_window ↔ fold_windows are checked both ways (second order included).
"""

from __future__ import annotations

from ..ops import shape_api, windows
from .cases import Case, case, normal

_WIDE = ((2, 3), (4, 1))  # widths larger than 1 on a (3, 5) input


def _pad_cases() -> list[Case]:
    out = [
        case(lambda x, m=m: shape_api.pad(x, _WIDE, mode=m), normal(3, 5), label=f"{m} (3,5)")
        for m in windows.PAD_MODES
    ]
    out += [
        case(lambda x, m=m: shape_api.pad(x, ((5, 4),), mode=m), normal(3), label=f"{m} wider than the axis")
        for m in ("reflect", "symmetric", "wrap", "edge")
    ]
    out += [
        case(
            lambda x: shape_api.pad(x, 2, mode="constant", constant_values=1.5),
            normal(2, 3, 3),
            label="constant 1.5, 3-D",
        ),
        case(
            lambda x: shape_api.pad(x, ((0, 0), (1, 2), (2, 0)), mode="replicate"),
            normal(2, 3, 3),
            label="replicate, one axis left alone",
        ),
        case(
            lambda x: shape_api.torch_pad(x, (2, 1, -1, 2), mode="constant", value=-0.5),
            normal(2, 5, 3),
            label="PyTorch form with a crop",
        ),
        case(
            lambda x: shape_api.torch_pad(x, (2, 2, 1, 2), mode="circular"),
            normal(2, 3, 4),
            label="PyTorch form circular",
        ),
    ]
    return out


def _pad_adjoint_cases() -> list[Case]:
    # inputs shaped like a padded output of _WIDE on (3, 5): (8, 10)
    return [
        case(lambda g, m=m: windows.pad_adjoint(g, widths=_WIDE, mode=m), normal(8, 10), label=m)
        for m in windows.PAD_MODES
    ] + [
        case(
            lambda g: windows.pad_adjoint(g, widths=((5, 4),), mode="reflect"),
            normal(12),
            label="reflect wider than the axis",
        )
    ]


SPECS: dict[str, list[Case]] = {
    "pad": _pad_cases(),
    "pad_adjoint": _pad_adjoint_cases(),
    "sliding_window": [
        case(lambda x: shape_api.unfold(x, 1, 3, 1), normal(2, 7), label="unfold overlapping"),
        case(lambda x: x.unfold(0, 2, 3), normal(8, 3), label="unfold step 3, tail left over"),
        case(
            lambda x: shape_api.sliding_window_view(x, (3, 2), axis=(-1, 1), step=(2, 1)),
            normal(2, 4, 7),
            label="2 axes, strided, axes out of order",
        ),
        case(
            lambda x: shape_api.sliding_window_view(x, (2, 2), axis=(2, 3), dilation=2, step=(1, 2)),
            normal(1, 2, 5, 6),
            label="dilated conv-like",
        ),
        case(lambda x: shape_api.sliding_window_view(x, (2, 3)), normal(3, 5), label="all axes"),
    ],
    "fold_windows": [
        case(
            lambda g: windows.fold_windows(g, shape=(2, 7), axes=(1,), size=(3,), step=(1,), dilation=(1,)),
            normal(2, 5, 3),
            label="overlapping",
        ),
        case(
            lambda g: windows.fold_windows(
                g, shape=(1, 2, 5, 6), axes=(2, 3), size=(2, 2), step=(1, 2), dilation=(2, 2)
            ),
            normal(1, 2, 3, 2, 2, 2),
            label="dilated 2-D",
        ),
    ],
}

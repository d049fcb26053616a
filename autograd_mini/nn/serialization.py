"""State dicts to and from ``.npz`` files: NumPy's archive of named arrays, never pickled.

:meth:`Module.save <autograd_mini.nn.Module.save>` and :meth:`Module.load
<autograd_mini.nn.Module.load>` delegate here. The reader opens archives with
``allow_pickle=False``: a file holding Python objects (which could run code when
unpickled) is refused with a ``ValueError`` that names the file, before anything is
loaded; so are corrupt and truncated files and single ``.npy`` arrays.

>>> import os, tempfile
>>> import numpy as np
>>> from autograd_mini.nn.serialization import load_npz, save_npz
>>> path = os.path.join(tempfile.mkdtemp(), "state.npz")
>>> save_npz(path, {"weight": np.eye(2), "bias": np.zeros(2)})
>>> sorted(load_npz(path))
['bias', 'weight']
"""

from __future__ import annotations

import os
import zipfile
from collections.abc import Mapping
from typing import Any

import numpy as np

__all__ = ["load_npz", "save_npz"]


def save_npz(path: str | os.PathLike[str], state: Mapping[str, Any]) -> None:
    """Write the arrays of ``state`` (name -> array or Tensor) to an ``.npz`` file.

    NumPy adds the ``.npz`` suffix when ``path`` has none. Values are stored as plain
    numeric arrays (a Tensor's ``.data``), so the file loads without pickling.
    """
    arrays: dict[str, np.ndarray] = {}
    for name, value in state.items():
        array = np.asarray(getattr(value, "data", value))
        if array.dtype.kind not in "fiub":
            raise TypeError(
                f"save_npz: '{name}' holds {array.dtype} data; only numeric arrays can be "
                f"saved (they load without unpickling)"
            )
        arrays[name] = array
    np.savez(path, **arrays)  # type: ignore[arg-type]


def load_npz(path: str | os.PathLike[str], who: str = "load") -> dict[str, np.ndarray]:
    """The arrays of an ``.npz`` file, by name, read without ever unpickling.

    Raises ``ValueError`` naming the file (and ``who``, the caller shown in the message)
    if it holds object arrays (pickled Python objects), is corrupt or truncated, or is a
    single ``.npy`` array; ``FileNotFoundError`` if it does not exist.
    """
    name = os.fspath(path)
    try:
        with open(name, "rb") as fh:  # our own handle: closed even if the archive is corrupt
            return _read_archive(fh, name, who)
    except (zipfile.BadZipFile, EOFError, OSError) as e:
        if isinstance(e, FileNotFoundError):
            raise
        raise ValueError(
            f"{who}: cannot read {name!r}: the file is corrupt or truncated ({e}); save the "
            f"model again with Module.save(path)"
        ) from None


def _read_archive(fh: Any, name: str, who: str) -> dict[str, np.ndarray]:
    try:
        loaded = np.load(fh, allow_pickle=False)
    except ValueError as e:
        if "pickle" in str(e).lower():
            raise ValueError(
                f"{who}: refused to load {name!r}: it holds pickled Python objects, and "
                f"unpickling can run arbitrary code. Only plain numeric arrays are accepted; "
                f"re-save the model with Module.save(path)."
            ) from None
        raise ValueError(f"{who}: cannot read {name!r} as an .npz file: {e}") from None
    if not isinstance(loaded, np.lib.npyio.NpzFile):
        raise ValueError(
            f"{who}: {name!r} is a single .npy array, not an .npz archive of named arrays; "
            f"save models with Module.save(path)"
        )
    with loaded as archive:
        arrays = {}
        for key in archive.files:
            try:
                arrays[key] = archive[key]
            except ValueError as e:
                if "pickle" not in str(e).lower():
                    raise
                raise ValueError(
                    f"{who}: refused to load {name!r}: its entry {key!r} holds pickled Python "
                    f"objects, and unpickling can run arbitrary code. Only plain numeric "
                    f"arrays are accepted; re-save the model with Module.save(path)."
                ) from None
    return arrays

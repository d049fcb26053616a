"""Small parsers for the DOT text that am.viz emits (one statement per line)."""

from __future__ import annotations

import re

_NODE = re.compile(r"^\s*(\w+) \[(.*)\]\s*$", re.M)
_EDGE = re.compile(r"^\s*(\w+) -> (\w+)(?: \[(.*)\])?\s*$", re.M)
_KEYWORDS = {"node", "edge", "graph"}


def nodes(dot: str) -> dict[str, str]:
    """Vertex id -> its attribute text."""
    return {m.group(1): m.group(2) for m in _NODE.finditer(dot) if m.group(1) not in _KEYWORDS}


def edges(dot: str) -> list[tuple[str, str, str]]:
    """(src, dst, attribute text) for every edge, in order."""
    return [(m.group(1), m.group(2), m.group(3) or "") for m in _EDGE.finditer(dot)]


def kind(vertex_id: str) -> str:
    """``op``, ``tensor``, ``const`` or ``group`` from the id am.viz gives a vertex."""
    if vertex_id.startswith("op"):
        return "op"
    if vertex_id.startswith("t"):
        return "tensor"
    if vertex_id.startswith("c"):
        return "const"
    return "group"


def attr(attrs: str, name: str) -> str | None:
    """One attribute's value from a node's or edge's attribute text (quotes removed)."""
    m = re.search(rf'(?:^|\s){name}=("(?:[^"\\]|\\.)*"|<.*>(?=\s\w+=|$)|\S+)', attrs)
    if m is None:
        return None
    value = m.group(1)
    return value[1:-1] if value.startswith('"') else value


def _block_end(text: str, start: int) -> int:
    """Index just past the ``}`` closing the block opened before ``start`` (quotes skipped)."""
    depth, i, quoted = 1, start, False
    while depth:
        c = text[i]
        if quoted:
            if c == "\\":
                i += 1
            elif c == '"':
                quoted = False
        elif c == '"':
            quoted = True
        elif c == "{":
            depth += 1
        elif c == "}":
            depth -= 1
        i += 1
    return i


def clusters(dot: str) -> dict[str, str]:
    """Cluster label -> the cluster's whole text (nested clusters included)."""
    out = {}
    for m in re.finditer(r"subgraph (cluster_\d+) \{", dot):
        body = dot[m.end() : _block_end(dot, m.end()) - 1]
        label = attr(body.split("\n", 2)[1], "label")
        assert label is not None
        out[label] = body
    return out


def own_nodes(cluster_body: str) -> set[str]:
    """Vertex ids declared directly in a cluster (not in clusters nested inside it)."""
    flat = cluster_body
    while True:
        m = re.search(r"subgraph cluster_\d+ \{", flat)
        if m is None:
            break
        flat = flat[: m.start()] + flat[_block_end(flat, m.end()) :]
    return set(nodes(flat))

"""A picture of an inclusion proof: the path from a statement's leaf up to the root.

Each step hashes the running value with one sibling from the proof, the
sibling on the left or on the right (RFC 9162 2.1.3.2). The page draws the
steps bottom-up as an SVG, so a reader sees that the statement is one leaf
of one tree whose root the log signed, and how few hashes it takes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.utils.safestring import SafeString, mark_safe

from firsthand.log.merkle import node_hash

BOX_WIDTH = 150
BOX_HEIGHT = 34
ROW_HEIGHT = 58
MARGIN = 10
GAP = 24
PATH_X = MARGIN + BOX_WIDTH + GAP  # the middle column: leaf, each node made, the root
WIDTH = 3 * BOX_WIDTH + 2 * GAP + 2 * MARGIN


@dataclass(frozen=True)
class ProofStep:
    sibling: str  # hex
    sibling_on_left: bool
    result: str  # hex of the node this step makes
    y: int  # the row's top, in SVG units
    path_x: int
    sibling_x: int


@dataclass(frozen=True)
class ProofPicture:
    leaf: str
    root: str
    steps: tuple[ProofStep, ...]
    height: int
    leaf_y: int
    path_x: int
    width: int = WIDTH
    box_width: int = BOX_WIDTH
    box_height: int = BOX_HEIGHT


def proof_picture(index: int, size: int, leaf: bytes, proof: Sequence[bytes]) -> ProofPicture:
    """The steps of the audit path, laid out for drawing; the proof must already verify."""
    fn, sn, running = index, size - 1, leaf
    hashes: list[tuple[bytes, bool, bytes]] = []
    for sibling in proof:
        if fn & 1 or fn == sn:
            running = node_hash(sibling, running)
            hashes.append((sibling, True, running))
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            running = node_hash(running, sibling)
            hashes.append((sibling, False, running))
        fn >>= 1
        sn >>= 1
    rows = len(hashes) + 1
    height = rows * ROW_HEIGHT + MARGIN
    path_x = PATH_X
    steps = []
    for i, (sibling, on_left, result) in enumerate(hashes):
        y = height - (i + 2) * ROW_HEIGHT
        sibling_x = MARGIN if on_left else PATH_X + BOX_WIDTH + GAP
        steps.append(ProofStep(sibling.hex(), on_left, result.hex(), y, path_x, sibling_x))
    return ProofPicture(
        leaf=leaf.hex(),
        root=running.hex(),
        steps=tuple(steps),
        height=height,
        leaf_y=height - ROW_HEIGHT,
        path_x=path_x,
    )


def shapes_markup(picture: ProofPicture) -> SafeString:
    """The picture's lines and boxes as SVG markup.

    Built here rather than by a template loop: a 20-step path has some 300
    numbers, and the template's filters and localisation of each one took a
    third of a statement page's time. Coordinates are never localised.
    """
    w, h, half = BOX_WIDTH, BOX_HEIGHT, BOX_WIDTH // 2
    last = len(picture.steps) - 1
    parts = []
    for i, step in enumerate(picture.steps):
        x, y, sx = step.path_x, step.y, step.sibling_x
        sibling_edge_x = sx + w if step.sibling_on_left else sx
        root, label = (" root", "root ") if i == last else ("", "")
        mid, below = x + half, y + ROW_HEIGHT
        parts.append(
            f'<line class="edge" x1="{mid}" y1="{y + h}" x2="{mid}" y2="{below}"></line>'
            f'<line class="edge sibling-edge" x1="{sibling_edge_x}" y1="{below + 17}" '
            f'x2="{mid}" y2="{y + h}"></line>'
            f'<g class="node{root}"><rect x="{x}" y="{y}" width="{w}" height="{h}" rx="6"></rect>'
            f'<text x="{mid}" y="{y + 22}">{label}{step.result[:10]}…</text></g>'
            f'<g class="node sibling"><rect x="{sx}" y="{below}" width="{w}" height="{h}" rx="6">'
            f'</rect><text x="{sx + half}" y="{y + 80}">{step.sibling[:10]}…</text></g>'
        )
    x, y = picture.path_x, picture.leaf_y
    parts.append(
        f'<g class="node leaf"><rect x="{x}" y="{y}" width="{w}" height="{h}" rx="6"></rect>'
        f'<text x="{x + half}" y="{y + 22}">leaf {picture.leaf[:10]}…</text></g>'
    )
    return mark_safe("".join(parts))  # only ints, and hex this module made: nothing to escape

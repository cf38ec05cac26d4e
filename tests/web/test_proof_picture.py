"""The proof picture on a statement page: one row per hash, drawn inside its viewBox."""

from __future__ import annotations

import re

from firsthand.log.merkle import (
    inclusion_proof,
    leaf_hash,
    memory_node_reader,
    root_from_inclusion_proof,
)
from firsthand.web.pages.proof import proof_picture, shapes_markup


def test_the_picture_has_a_box_per_step_a_leaf_and_one_root_all_inside_the_view() -> None:
    leaves = [leaf_hash(f"entry {i}".encode()) for i in range(1000)]
    proof = inclusion_proof(617, 1000, memory_node_reader(leaves))
    picture = proof_picture(617, 1000, leaves[617], proof)
    assert picture.root == root_from_inclusion_proof(617, 1000, leaves[617], proof).hex()
    markup = str(shapes_markup(picture))
    assert markup.count('<g class="node sibling">') == len(proof)
    assert markup.count('<g class="node root">') == 1
    assert f"root {picture.root[:10]}…" in markup
    assert f"leaf {leaves[617].hex()[:10]}…" in markup
    for name, value in re.findall(r'\b(x|y|x1|x2|y1|y2)="(-?\d+)"', markup):
        limit = picture.width if name.startswith("x") else picture.height
        assert 0 <= int(value) <= limit, (name, value)

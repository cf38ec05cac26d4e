"""RFC 6962/9162 hashing and proofs, against the RFC's recursive definitions and random trees."""

from __future__ import annotations

import hashlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from firsthand.log import merkle
from firsthand.log.errors import InvalidProof


def mth(leaves: list[bytes]) -> bytes:
    """MTH exactly as RFC 9162 2.1.1 writes it, recursively: the oracle for the fast code."""
    if not leaves:
        return hashlib.sha256(b"").digest()
    if len(leaves) == 1:
        return leaves[0]
    k = 1 << ((len(leaves) - 1).bit_length() - 1)
    return merkle.node_hash(mth(leaves[:k]), mth(leaves[k:]))


def path(m: int, leaves: list[bytes]) -> list[bytes]:
    """PATH(m, D[n]) of RFC 9162 2.1.3.1, recursively."""
    if len(leaves) == 1:
        return []
    k = 1 << ((len(leaves) - 1).bit_length() - 1)
    if m < k:
        return [*path(m, leaves[:k]), mth(leaves[k:])]
    return [*path(m - k, leaves[k:]), mth(leaves[:k])]


def subproof(m: int, leaves: list[bytes], complete: bool) -> list[bytes]:
    """SUBPROOF(m, D[n], b) of RFC 9162 2.1.4.1, recursively."""
    n = len(leaves)
    if m == n:
        return [] if complete else [mth(leaves)]
    k = 1 << ((n - 1).bit_length() - 1)
    if m <= k:
        return [*subproof(m, leaves[:k], complete), mth(leaves[k:])]
    return [*subproof(m - k, leaves[k:], False), mth(leaves[:k])]


def leaves_of(n: int) -> list[bytes]:
    return [merkle.leaf_hash(i.to_bytes(4, "big")) for i in range(n)]


def test_empty_tree_hashes_to_sha256_of_nothing_not_zeros() -> None:
    assert hashlib.sha256(b"").digest() == merkle.EMPTY_ROOT
    assert merkle.root_from_leaf_hashes([]) == merkle.EMPTY_ROOT
    assert merkle.tree_hash(0, merkle.memory_node_reader([])) == merkle.EMPTY_ROOT
    assert bytes(32) != merkle.EMPTY_ROOT


def test_leaf_and_node_hashes_use_the_rfc_domain_separation_bytes() -> None:
    assert merkle.leaf_hash(b"x") == hashlib.sha256(b"\x00x").digest()
    assert (
        merkle.node_hash(b"a" * 32, b"b" * 32)
        == hashlib.sha256(b"\x01" + b"a" * 32 + b"b" * 32).digest()
    )


@pytest.mark.parametrize("n", [*range(1, 70), 255, 256, 257, 1000, 1024, 1025])
def test_tree_hash_matches_the_recursive_definition(n: int) -> None:
    leaves = leaves_of(n)
    assert merkle.root_from_leaf_hashes(leaves) == mth(leaves)
    assert merkle.tree_hash(n, merkle.memory_node_reader(leaves)) == mth(leaves)


@pytest.mark.parametrize("n", range(1, 40))
def test_inclusion_proofs_match_the_recursive_definition(n: int) -> None:
    leaves = leaves_of(n)
    reader = merkle.memory_node_reader(leaves)
    for m in range(n):
        assert merkle.inclusion_proof(m, n, reader) == path(m, leaves)


@pytest.mark.parametrize("n", range(1, 40))
def test_consistency_proofs_match_the_recursive_definition(n: int) -> None:
    leaves = leaves_of(n)
    reader = merkle.memory_node_reader(leaves)
    for m in range(1, n + 1):
        assert merkle.consistency_proof(m, n, reader) == subproof(m, leaves, True)


def flip_bit(proof: list[bytes], which: int) -> list[bytes]:
    i, bit = divmod(which % (len(proof) * 256), 256)
    damaged = bytearray(proof[i])
    damaged[bit // 8] ^= 1 << (bit % 8)
    return [*proof[:i], bytes(damaged), *proof[i + 1 :]]


@settings(max_examples=200, deadline=None)
@given(st.integers(1, 3000), st.data())
def test_every_inclusion_proof_verifies_and_any_flipped_bit_fails(
    n: int, data: st.DataObject
) -> None:
    leaves = leaves_of(n)
    root = merkle.root_from_leaf_hashes(leaves)
    reader = merkle.memory_node_reader(leaves)
    index = data.draw(st.integers(0, n - 1))
    proof = merkle.inclusion_proof(index, n, reader)
    merkle.verify_inclusion(index, n, leaves[index], proof, root)
    if proof:
        with pytest.raises(InvalidProof):
            merkle.verify_inclusion(
                index, n, leaves[index], flip_bit(proof, data.draw(st.integers(0))), root
            )
    wrong_leaf = bytearray(leaves[index])
    wrong_leaf[0] ^= 1
    with pytest.raises(InvalidProof):
        merkle.verify_inclusion(index, n, bytes(wrong_leaf), proof, root)
    # The same path never proves a different index or size.
    if n > 1:
        with pytest.raises(InvalidProof):
            merkle.verify_inclusion((index + 1) % n, n, leaves[index], proof, root)
    with pytest.raises(InvalidProof):
        merkle.verify_inclusion(index, n, leaves[index], [*proof, root], root)


@settings(max_examples=200, deadline=None)
@given(st.integers(1, 3000), st.data())
def test_every_consistency_proof_verifies_and_any_flipped_bit_fails(
    n: int, data: st.DataObject
) -> None:
    leaves = leaves_of(n)
    reader = merkle.memory_node_reader(leaves)
    m = data.draw(st.integers(1, n))
    old_root, new_root = (
        merkle.root_from_leaf_hashes(leaves[:m]),
        merkle.root_from_leaf_hashes(leaves),
    )
    proof = merkle.consistency_proof(m, n, reader)
    merkle.verify_consistency(m, n, old_root, new_root, proof)
    if proof:
        with pytest.raises(InvalidProof):
            merkle.verify_consistency(
                m, n, old_root, new_root, flip_bit(proof, data.draw(st.integers(0)))
            )
        with pytest.raises(InvalidProof):
            merkle.verify_consistency(m, n, old_root, new_root, proof[:-1])
    if m < n:
        with pytest.raises(InvalidProof):
            merkle.verify_consistency(m, n, new_root, old_root, proof)


def test_consistency_from_size_zero_is_refused_by_default_and_allowed_for_witnesses() -> None:
    root = merkle.root_from_leaf_hashes(leaves_of(5))
    with pytest.raises(InvalidProof):
        merkle.verify_consistency(0, 5, merkle.EMPTY_ROOT, root, [])
    merkle.verify_consistency(0, 5, merkle.EMPTY_ROOT, root, [], allow_empty_old=True)
    with pytest.raises(InvalidProof):
        merkle.verify_consistency(0, 5, merkle.EMPTY_ROOT, root, [root], allow_empty_old=True)
    assert merkle.consistency_ranges(0, 5) == []


def test_equal_sizes_need_an_empty_proof_and_the_same_root() -> None:
    a, b = (
        merkle.root_from_leaf_hashes(leaves_of(3)),
        merkle.root_from_leaf_hashes(leaves_of(4)[1:]),
    )
    merkle.verify_consistency(3, 3, a, a, [])
    with pytest.raises(InvalidProof, match="two different roots"):
        merkle.verify_consistency(3, 3, a, b, [])


@pytest.mark.parametrize(("index", "size"), [(5, 5), (-1, 5), (2**64 - 1, 2**64 - 2), (0, 0)])
def test_indices_outside_the_tree_fail_cleanly(index: int, size: int) -> None:
    with pytest.raises(InvalidProof):
        merkle.verify_inclusion(index, size, bytes(32), [], bytes(32))


def test_hashes_that_are_not_32_bytes_fail_cleanly() -> None:
    leaves = leaves_of(4)
    root = merkle.root_from_leaf_hashes(leaves)
    proof = merkle.inclusion_proof(1, 4, merkle.memory_node_reader(leaves))
    with pytest.raises(InvalidProof, match="not 32"):
        merkle.verify_inclusion(1, 4, leaves[1], proof, root[:31])
    with pytest.raises(InvalidProof, match="not 32"):
        merkle.verify_inclusion(1, 4, leaves[1], [proof[0] + b"x", proof[1]], root)

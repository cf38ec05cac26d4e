"""Trusted contacts (k of n) and device keys: the pure rules in log order (succession.py).

The adversary is the organisation that seized the author's phone: it holds the key, can
name contacts of its own and add devices of its own. These properties pin that none of
that outlives the author's revocation, and that k-1 contacts never recover anyone.
"""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from firsthand.statements.succession import (
    NEVER,
    Contacts,
    Logged,
    contacts_in_force,
    counted_contacts,
    device_of,
    device_refusal,
    first_recovery,
    revocation_point,
    revocations_of,
    social_recovery_refusal,
)

KEY = "k" * 64
RECOVERY = "r" * 64
NEW = "n" * 64
THIEF_NEW = "t" * 64
FRIENDS = tuple(f"{i:064x}" for i in range(1, 17))
PUPPETS = tuple(f"{i:064x}" for i in range(100, 104))


def contacts(index: int, named: tuple[str, ...], k: int, author: str = KEY) -> Logged:
    return Logged(index, "contacts", author, contacts=tuple(sorted(named)), threshold=k)


def social(
    index: int, signed: tuple[str, ...], *, new: str = NEW, since: int | None = None
) -> Logged:
    listed = tuple(sorted(set(signed)))
    return Logged(
        index,
        "social-recovery",
        new,
        subject=KEY,
        revoked_from=since,
        contacts=listed,
        cosigned=frozenset(signed),
    )


def valid(history: list[Logged], revoked: dict[str, int] | None = None) -> list[int]:
    return [r.by_index for r in revocations_of(KEY, history, None, revoked or {})]


@given(
    n=st.integers(1, 8),
    data=st.data(),
)
def test_a_social_recovery_counts_exactly_when_k_of_the_n_contacts_sign(
    n: int, data: st.DataObject
) -> None:
    k = data.draw(st.integers(1, n))
    named = FRIENDS[:n]
    signers = data.draw(st.lists(st.sampled_from(named + PUPPETS), max_size=12))
    history = [contacts(3, named, k), social(9, tuple(signers))]
    distinct_contacts = len(set(signers) & set(named))
    assert (valid(history) == [9]) == (distinct_contacts >= k)


@given(n=st.integers(1, 16), data=st.data())
def test_k_minus_one_contacts_are_refused_with_a_reason(n: int, data: st.DataObject) -> None:
    k = data.draw(st.integers(1, n))
    named = FRIENDS[:n]
    signers = data.draw(st.permutations(named)).__getitem__(slice(0, k - 1))
    row = social(9, tuple(signers))
    refusal = social_recovery_refusal(row, Contacts(3, frozenset(named), k), {})
    assert refusal is not None and f"{k - 1} of the trusted contacts" in refusal.reason
    assert valid([contacts(3, named, k), row]) == []


@given(signers=st.lists(st.sampled_from(FRIENDS[:3]), min_size=1, max_size=20))
def test_a_contact_counts_once_however_many_times_it_signs(signers: list[str]) -> None:
    row = social(9, tuple(signers))
    assert len(counted_contacts(row, Contacts(3, frozenset(FRIENDS[:3]), 2), {})) == len(
        set(signers)
    )


@given(revoked_at=st.integers(0, 20))
def test_a_contact_reported_stolen_at_or_before_the_recovery_does_not_count(
    revoked_at: int,
) -> None:
    history = [contacts(3, FRIENDS[:3], 2), social(9, FRIENDS[:2])]
    counts = valid(history, {FRIENDS[1]: revoked_at}) == [9]
    assert counts == (revoked_at > 9)


@given(
    theft=st.integers(2, 30),
    gaps=st.lists(st.integers(1, 5), min_size=4, max_size=4),
    thief_since_offset=st.integers(0, 3),
)
def test_the_thiefs_contacts_after_the_revocation_point_never_count(
    theft: int, gaps: list[int], thief_since_offset: int
) -> None:
    """The author named friends; a thief, from the theft on, names puppets and recovers to
    his own key. Whatever the author then does (the recovery key dated back to the theft,
    or the friends dated back to it), the thief's recovery does not count and the author's
    is the handover."""
    thief_contacts = theft + gaps[0]
    thief_recovery = thief_contacts + gaps[1]
    author_acts = thief_recovery + gaps[2]
    thief_since = min(thief_contacts + 1 + thief_since_offset, thief_recovery)
    base = [
        contacts(1, FRIENDS[:3], 2),
        contacts(thief_contacts, PUPPETS[:2], 1),
        social(thief_recovery, PUPPETS[:1], new=THIEF_NEW, since=thief_since),
    ]
    # By the recovery key, dated back to the theft:
    by_sheet = Logged(author_acts, "revocation", RECOVERY, subject=KEY, revoked_from=theft)
    found = revocations_of(KEY, [*base, by_sheet], RECOVERY, {})
    assert [r.by_index for r in found] == [author_acts]
    assert revocation_point(found) == theft
    # By the author's real friends, dated back to the theft:
    by_friends = social(author_acts, FRIENDS[:2], since=theft)
    found = revocations_of(KEY, [*base, by_friends], None, {})
    assert [r.by_index for r in found] == [author_acts]
    handover = first_recovery(found)
    assert handover is not None and handover.new_key == NEW


def test_a_thief_cannot_date_his_recovery_before_his_own_contacts() -> None:
    history = [
        contacts(1, FRIENDS[:3], 2),
        contacts(10, PUPPETS[:1], 1),
        social(12, PUPPETS[:1], new=THIEF_NEW, since=5),
    ]
    assert valid(history) == []  # before 5, the contacts in force are the author's friends


def test_without_a_revocation_the_latest_contacts_before_the_recovery_count() -> None:
    history = [contacts(1, FRIENDS[:3], 2), contacts(5, FRIENDS[3:6], 3)]
    assert contacts_in_force(history, KEY, NEVER) == Contacts(5, frozenset(FRIENDS[3:6]), 3)
    assert contacts_in_force(history, KEY, 5) == Contacts(1, frozenset(FRIENDS[:3]), 2)
    assert valid([*history, social(9, FRIENDS[:3])]) == []  # the old set no longer counts
    assert valid([*history, social(9, FRIENDS[3:6])]) == [9]


def test_contacts_named_by_another_key_are_not_this_keys() -> None:
    history = [contacts(1, FRIENDS[:2], 1, author=NEW), social(5, FRIENDS[:1])]
    assert valid(history) == []


IDENTITY = "i" * 64
PHONE = "p" * 64
LAPTOP = "l" * 64
THIEF_DEVICE = "d" * 64


def device(index: int, key: str, by: str = IDENTITY, *, two_way: bool = True) -> Logged:
    return Logged(index, "device", by, subject=key, cosigned=frozenset({key} if two_way else ()))


def no_revocation(key: str) -> int | None:
    return None


def chain(key: str) -> list[tuple[str, int]]:
    return [(key, 0)]


def test_a_device_speaks_for_the_identity_that_certified_it() -> None:
    history = [device(4, PHONE)]
    found = device_of(PHONE, history, revoked_at=no_revocation, chain_of=chain)
    assert found is not None and (found.identity, found.index) == (IDENTITY, 4)


def test_a_device_added_by_one_key_only_is_no_device() -> None:
    history = [device(4, PHONE, two_way=False)]
    assert device_of(PHONE, history, revoked_at=no_revocation, chain_of=chain) is None


def test_a_device_cannot_add_devices() -> None:
    history = [device(4, PHONE), device(6, LAPTOP, by=PHONE)]
    refusal = device_refusal(history[1], history, revoked_at=no_revocation)
    assert refusal is not None and "cannot add devices" in refusal.reason
    assert device_of(LAPTOP, history, revoked_at=no_revocation, chain_of=chain) is None


def test_a_key_that_signed_before_is_not_made_a_device() -> None:
    history = [Logged(2, "declaration", PHONE), device(4, PHONE)]
    assert device_of(PHONE, history, revoked_at=no_revocation, chain_of=chain) is None


def test_a_key_is_claimed_once_the_first_claim_decides() -> None:
    other = "o" * 64
    history = [device(4, PHONE, by=other), device(6, PHONE)]
    found = device_of(PHONE, history, revoked_at=no_revocation, chain_of=chain)
    assert found is not None and found.identity == other


@given(theft=st.integers(0, 20), added=st.integers(0, 20))
def test_a_thiefs_device_added_after_the_theft_point_is_no_device(theft: int, added: int) -> None:
    history = [device(added, THIEF_DEVICE)]

    def revoked_at(key: str) -> int | None:
        return theft if key == IDENTITY else None

    found = device_of(THIEF_DEVICE, history, revoked_at=revoked_at, chain_of=chain)
    assert (found is not None) == (added < theft)


@given(
    by=st.sampled_from(["device", "identity", "successor", "stranger", "stolen identity"]),
    since=st.none() | st.integers(0, 9),
)
def test_who_may_revoke_a_device(by: str, since: int | None) -> None:
    successor, stranger = "s" * 64, "x" * 64
    author = {
        "device": PHONE,
        "identity": IDENTITY,
        "successor": successor,
        "stranger": stranger,
        "stolen identity": IDENTITY,
    }[by]
    history = [device(4, PHONE), Logged(10, "device-revocation", author, PHONE, None, since)]

    def revoked_at(key: str) -> int | None:
        return 8 if by == "stolen identity" and key == IDENTITY else None

    def chain_of(key: str) -> list[tuple[str, int]]:
        return [(IDENTITY, 0), (successor, 7)]

    found = device_of(PHONE, history, revoked_at=revoked_at, chain_of=chain_of)
    assert found is not None
    if by in ("stranger", "stolen identity"):
        assert found.revoked_since is None
    elif by == "device":
        assert found.revoked_since == 10  # a device revoking itself: from now on
    else:
        assert found.revoked_since == (10 if since is None else min(since, 10))

"""Watching a log from outside: checkpoints, split views, and what watched authors sign.

Above ``firsthand.log`` (the tiles API, proofs) and ``firsthand.statements`` (heads,
identities): the log itself knows entries, not what they mean. ``watch`` checks;
``state`` is what a monitor remembers between runs.
"""

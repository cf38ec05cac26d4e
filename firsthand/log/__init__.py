"""The transparency log: RFC 6962 hashing, C2SP signed notes, checkpoints and tiles.

Nothing in this package imports Django or anything from ``firsthand.web``: a
verifier can check proofs with this package alone.
"""

"""Bytes on disk per statement, measured, and what 100 million statements would take.

    .venv/bin/python bench/disk.py [--count 20000] [--body-bytes 800]

Publishes signed statements through the API's own path (record_statement: the
statements table, the FTS5 search index, and the log's entries, tiles, leaf
index and checkpoints, all in one SQLite file), then reads SQLite's dbstat
table for the bytes each table and index takes. The projection to 100M is
linear in entries (tiles and entries grow linearly; checkpoints grow per batch,
not per entry), so it is bytes/entry x 1e8.
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import sys
import tempfile
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from tqdm import tqdm

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=20_000)
    parser.add_argument("--body-bytes", type=int, default=800, help="a typical testimony")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="firsthand-disk-") as tmp:
        os.environ["FIRSTHAND_DATA"] = tmp
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "firsthand.web.settings")
        import django

        django.setup()
        from django.core.management import call_command

        from firsthand.log.note import Signer
        from firsthand.publishing.pipeline import record_statement
        from firsthand.statements.format import sign_statement
        from firsthand.web import runtime

        call_command("migrate", verbosity=0)
        sequencer = runtime.start_sequencer(0.05)
        authors = [Signer.generate(f"author{i}.example") for i in range(100)]
        sentence = "I was at the gathering in the spring of 2019 and I saw what happened there. "
        body = (sentence * (args.body_bytes // len(sentence) + 1))[: args.body_bytes]
        statements = [
            sign_statement(authors[i % 100], f"{i}: {body}", kind="testimony")
            for i in tqdm(range(args.count), desc="signing", unit="statement", leave=False)
        ]
        # Many requests at once, as a server sees them: each waits for its batch.
        with ThreadPoolExecutor(64) as pool:
            done = pool.map(lambda s: record_statement(s, sequencer), statements)
            for _ in tqdm(done, total=len(statements), desc="publishing", unit="statement"):
                pass
        runtime.stop_sequencer()
        database = Path(tmp) / "firsthand.sqlite3"
        db = sqlite3.connect(database)
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        db.execute("VACUUM")
        sizes: dict[str, int] = defaultdict(int)
        for name, size in db.execute("SELECT name, SUM(pgsize) FROM dbstat GROUP BY name"):
            sizes[name] += size
        db.close()
        total = database.stat().st_size
    per_entry = total / args.count
    print(f"\ndisk use, {args.count:,} statements with {args.body_bytes}-byte bodies (SQLite)")
    for name, size in sorted(sizes.items(), key=lambda kv: -kv[1])[:12]:
        print(f"  {name:<44}{size / args.count:>10.0f} bytes/statement")
    print(f"{'whole database file':<46}{per_entry:>10.0f} bytes/statement")
    print(
        f"100 million statements: {per_entry * 1e8 / 1e9:,.0f} GB "
        f"({per_entry * 1e8 / 1e12:.2f} TB), before media"
    )


if __name__ == "__main__":
    main()

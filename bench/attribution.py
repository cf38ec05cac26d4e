"""Benchmark "who said it?": check latency, build time and memory, beside a brute-force scan.

    .venv/bin/python bench/attribution.py                       # 10k, 100k and 1M statements
    .venv/bin/python bench/attribution.py --sizes 10000 --queries 200
    .venv/bin/python bench/attribution.py --evaluate            # also print the quality table

The corpus is synthetic but word-realistic: English function words at their
real frequencies, then a Zipf-distributed vocabulary of made-up words, in
sentences of 6-22 words and statements of 2-6 sentences (about 70 words).
Queries mix exact copies, copies with 10% of words changed, 8-word quotes and
unrelated texts. The peer is a brute-force RapidFuzz scan (``fuzz.ratio`` over
every normalised statement, C++), the simplest thing that finds near copies;
at large sizes it runs on fewer queries.

**Articles** are what a journalist pastes: about 300 words of invented prose
around a frame and a quote (``He said: “…”``) of two sentences of one indexed
statement, with a sentence of another statement altered by one word. Each is
checked twice: as a whole text only (``check(..., passages=False)``, today's
check before issue 18, the figure to compare with) and sentence by sentence (the
default). Run against an older checkout, the script measures whole-text checks only.
"""

from __future__ import annotations

import argparse
import gc
import inspect
import statistics
import sys
import time
from pathlib import Path

import numpy as np
from rapidfuzz import fuzz, process
from tqdm import tqdm

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from firsthand.attribution import AttributionIndex, StatementRecord, check
from firsthand.attribution.normalise import normalise

# Older checkouts have no sentence-level attribution: then only whole-text checks are timed.
HAS_PASSAGES = "passages" in inspect.signature(check).parameters

FUNCTION_WORDS = [
    "the",
    "of",
    "and",
    "to",
    "a",
    "in",
    "that",
    "i",
    "it",
    "was",
    "for",
    "on",
    "with",
    "as",
    "he",
    "be",
    "at",
    "by",
    "had",
    "not",
    "but",
    "from",
    "they",
    "we",
    "you",
    "this",
    "have",
    "were",
    "she",
    "his",
    "her",
    "or",
    "one",
    "all",
    "there",
    "their",
    "an",
    "so",
    "what",
    "when",
    "them",
    "my",
    "me",
    "who",
    "would",
    "been",
    "will",
    "no",
    "if",
    "out",
    "up",
    "said",
    "do",
    "into",
    "than",
    "never",
    "our",
    "us",
]
AUTHORS = [f"author{i}+{i:08x}+AAAA" for i in range(5000)]


def vocabulary(size: int, rng: np.random.Generator) -> list[str]:
    syllables = [c + v for c in "bcdfghjklmnprstvwz" for v in ("a", "e", "i", "o", "u", "ai", "ou")]
    found: set[str] = set()
    while len(found) < size:
        found.add("".join(rng.choice(syllables, size=rng.integers(1, 4))))
    return FUNCTION_WORDS + sorted(found)


class Corpus:
    def __init__(self, seed: int = 7, vocab: int = 30_000) -> None:
        self.rng = np.random.default_rng(seed)
        self.words = np.array(vocabulary(vocab, self.rng))
        weights = 1.0 / np.arange(1, len(self.words) + 1) ** 1.05
        self.probabilities = weights / weights.sum()

    def sentence_words(self, count: int) -> list[str]:
        return list(self.rng.choice(self.words, size=count, p=self.probabilities))

    def statement(self) -> str:
        sentences = []
        for _ in range(int(self.rng.integers(2, 7))):
            words = self.sentence_words(int(self.rng.integers(6, 23)))
            words[0] = words[0].capitalize()
            sentences.append(" ".join(words) + ".")
        return " ".join(sentences)

    def statements(self, count: int) -> list[str]:
        """Many statements at once: one draw of all words, then joins (a million in ~30 s)."""
        sentence_counts = self.rng.integers(2, 7, size=count)
        lengths = self.rng.integers(6, 23, size=int(sentence_counts.sum()))
        drawn = self.rng.choice(len(self.words), size=int(lengths.sum()), p=self.probabilities)
        words = self.words[drawn].tolist()
        capitals = {w: w.capitalize() for w in self.words.tolist()}
        texts = []
        at = sentence = 0
        for sentences in tqdm(sentence_counts.tolist(), desc="generate", leave=False):
            parts = []
            for length in lengths[sentence : sentence + sentences].tolist():
                chosen = words[at : at + length]
                parts.append(capitals[chosen[0]] + " " + " ".join(chosen[1:]) + ".")
                at += length
            sentence += sentences
            texts.append(" ".join(parts))
        return texts


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def queries(corpus: Corpus, texts: list[str], count: int) -> list[tuple[str, str]]:
    rng = np.random.default_rng(11)
    found = []
    for i in range(count):
        original = texts[int(rng.integers(len(texts)))].split()
        kind = ("exact", "altered", "quote", "unrelated")[i % 4]
        if kind == "exact":
            found.append((kind, " ".join(original)))
        elif kind == "altered":
            words = list(original)
            for at in rng.choice(len(words), size=max(1, len(words) // 10), replace=False):
                words[int(at)] = str(corpus.rng.choice(corpus.words[60:]))
            found.append((kind, " ".join(words)))
        elif kind == "quote":
            start = int(rng.integers(0, max(1, len(original) - 8)))
            found.append((kind, " ".join(original[start : start + 8])))
        else:
            found.append((kind, corpus.statement()))
    return found


FRAMES = [
    ("He said in an interview: “", "”"),
    ("According to a post shared on Sunday, she wrote: «", "»"),
    ('The statement, read aloud at the meeting, says: "', '"'),
    ("A former member told reporters: “", "” The group did not answer."),
]


def articles(
    corpus: Corpus, texts: list[str], count: int, words: int = 300
) -> list[tuple[str, str]]:
    """About ``words`` words of invented prose around a quote and an altered sentence."""
    rng = np.random.default_rng(13)
    found = []
    for i in range(count):
        source = texts[int(rng.integers(len(texts)))].split(". ")
        quoted = ". ".join(source[:2]).rstrip(".") + "."
        other = texts[int(rng.integers(len(texts)))].split(". ")[0].split()
        other[len(other) // 2] = str(corpus.rng.choice(corpus.words[60:]))
        altered = " ".join(other).rstrip(".") + "."
        opening, closing = FRAMES[i % len(FRAMES)]
        parts = [opening + quoted + closing, altered]
        while sum(len(p.split()) for p in parts) < words:
            parts.insert(int(rng.integers(len(parts) + 1)), corpus.statement())
        found.append(("article", " ".join(parts)))
    return found


def percentile(values: list[float], q: float) -> float:
    return float(np.percentile(np.array(values), q))


def timed(
    index: AttributionIndex, texts: list[str], **options: bool
) -> tuple[list[float], list[float]]:
    """Wall-clock and CPU milliseconds of each check (on a shared machine the CPU time is
    what the check itself costs; on a quiet one the two agree)."""
    wall, cpu = [], []
    for text in tqdm(texts, desc="articles", leave=False):
        t, c = time.perf_counter(), time.thread_time()
        check(index, text, **options)
        wall.append((time.perf_counter() - t) * 1000)
        cpu.append((time.thread_time() - c) * 1000)
    return wall, cpu


def run(
    size: int, query_count: int, brute_queries: int, article_count: int
) -> dict[str, float | int | str]:
    corpus = Corpus()
    texts = corpus.statements(size)
    gc.collect()
    before = rss_mb()
    start = time.perf_counter()
    index = AttributionIndex()
    for number, text in enumerate(tqdm(texts, desc=f"index {size:,}", leave=False)):
        leaf = f"{number:064x}"
        index.add(StatementRecord(leaf, AUTHORS[number % len(AUTHORS)], "declaration", text))
    index.flush()
    build = time.perf_counter() - start
    gc.collect()
    index_mb = rss_mb() - before
    body_mb = sum(len(t) for t in texts) / 2**20  # the bodies held by the in-memory store

    asked = queries(corpus, texts, query_count)
    check(index, asked[0][1])  # warm caches (word hash cache, normalisation tables)
    latencies = []
    verdicts: dict[str, dict[str, int]] = {}
    for kind, text in tqdm(asked, desc="check", leave=False):
        t = time.perf_counter()
        result = check(index, text)
        latencies.append((time.perf_counter() - t) * 1000)
        verdicts.setdefault(kind, {}).setdefault(result.verdict, 0)
        verdicts[kind][result.verdict] += 1

    pasted = [text for _, text in articles(corpus, texts, article_count)]
    if HAS_PASSAGES:
        whole, whole_cpu = timed(index, pasted, passages=False)
        sentences, sentences_cpu = timed(index, pasted)
    else:
        (whole, whole_cpu), sentences, sentences_cpu = timed(index, pasted), [], []

    normalised = [normalise(t) for t in texts]
    brute = []
    for _, text in asked[:brute_queries]:
        t = time.perf_counter()
        process.extractOne(normalise(text), normalised, scorer=fuzz.ratio, score_cutoff=70)
        brute.append((time.perf_counter() - t) * 1000)
    return {
        "statements": size,
        "build_s": build,
        "per_statement_us": build / size * 1e6,
        "index_rss_mb": index_mb,
        "bodies_mb": body_mb,
        "fingerprint_mb": index.nbytes() / 2**20,
        "p50_ms": percentile(latencies, 50),
        "p99_ms": percentile(latencies, 99),
        "max_ms": max(latencies),
        "article_words": int(statistics.mean(len(t.split()) for t in pasted)),
        "whole_p50_ms": percentile(whole, 50),
        "whole_p99_ms": percentile(whole, 99),
        "article_p50_ms": percentile(sentences, 50) if sentences else float("nan"),
        "article_p99_ms": percentile(sentences, 99) if sentences else float("nan"),
        "article_max_ms": max(sentences) if sentences else float("nan"),
        "whole_cpu_p99_ms": percentile(whole_cpu, 99),
        "article_cpu_p50_ms": percentile(sentences_cpu, 50) if sentences else float("nan"),
        "article_cpu_p99_ms": percentile(sentences_cpu, 99) if sentences else float("nan"),
        "load": Path("/proc/loadavg").read_text().split()[0],
        "brute_p50_ms": statistics.median(brute),
        "brute_n": len(brute),
        "verdicts": "; ".join(
            f"{kind}: " + ", ".join(f"{v} {n}" for v, n in sorted(found.items()))
            for kind, found in verdicts.items()
        ),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--queries", type=int, default=400)
    parser.add_argument("--articles", type=int, default=300, help="300-word articles to check")
    parser.add_argument("--evaluate", action="store_true", help="also print the quality table")
    args = parser.parse_args()
    rows = []
    for size in (int(s.replace("_", "")) for s in args.sizes.split(",")):
        brute_queries = 40 if size <= 10_000 else 12 if size <= 100_000 else 4
        rows.append(run(size, args.queries, brute_queries, args.articles))
        row = rows[-1]
        print(
            f"{row['statements']:>10,} statements: build {row['build_s']:.1f} s "
            f"({row['per_statement_us']:.0f} µs each), index RSS +{row['index_rss_mb']:.0f} MB "
            f"(of which bodies {row['bodies_mb']:.0f} MB, fingerprint arrays "
            f"{row['fingerprint_mb']:.0f} MB); check p50 {row['p50_ms']:.2f} ms, "
            f"p99 {row['p99_ms']:.2f} ms, max {row['max_ms']:.2f} ms; brute-force RapidFuzz "
            f"p50 {row['brute_p50_ms']:.1f} ms ({row['brute_n']} queries)",
            flush=True,
        )
        print(f"{'':>12}verdicts by query kind: {row['verdicts']}", flush=True)
        print(
            f"{'':>12}{row['article_words']}-word articles: whole text only (today's check) "
            f"p50 {row['whole_p50_ms']:.2f} ms, p99 {row['whole_p99_ms']:.2f} ms; sentence by "
            f"sentence p50 {row['article_p50_ms']:.2f} ms, p99 {row['article_p99_ms']:.2f} ms, "
            f"max {row['article_max_ms']:.2f} ms; CPU time p99 {row['whole_cpu_p99_ms']:.2f} ms "
            f"and {row['article_cpu_p99_ms']:.2f} ms (load average {row['load']})",
            flush=True,
        )
    print()
    print(
        "| statements | build (s) | index RSS (MB) | bodies (MB) | check p50 (ms) | check p99 (ms) "
        "| article, whole text (today) p99 (ms) | article, by sentence p50 (ms) "
        "| article, by sentence p99 (ms) | article, by sentence p99 CPU (ms) "
        "| brute-force RapidFuzz p50 (ms) |"
    )
    print("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for row in rows:
        print(
            f"| {row['statements']:,} | {row['build_s']:.1f} | {row['index_rss_mb']:.0f} "
            f"| {row['bodies_mb']:.0f} | {row['p50_ms']:.2f} | {row['p99_ms']:.2f} "
            f"| {row['whole_p99_ms']:.2f} | {row['article_p50_ms']:.2f} "
            f"| {row['article_p99_ms']:.2f} | {row['article_cpu_p99_ms']:.2f} "
            f"| {row['brute_p50_ms']:.1f} |"
        )
    if args.evaluate:
        from tests.attribution.evaluate import main as evaluate

        evaluate()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

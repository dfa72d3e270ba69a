"""Titles and markdown bodies for the GitHub-shaped issues: deterministic, varied, unicode."""

from __future__ import annotations

import random

# Bodies link to other issues through this marker; the server replaces it with its origin.
ORIGIN = "@@ORIGIN@@"
REPO = "@@REPO@@"

SUBJECTS = (
    "fetcher", "writer", "scheduler", "stream consumer", "retry policy", "circuit breaker",
    "dead-letter queue", "MySQL upsert", "page decoder", "rate limiter", "CLI", "dashboard",
    "metrics endpoint", "config loader", "health check", "Docker image", "migration 0004",
)  # fmt: skip
PROBLEMS = (
    "drops the last page when the total changes mid-sync",
    "retries a 401 forever instead of failing the job",
    "leaks a socket on SIGTERM",
    "mangles names with non-ASCII characters (e.g. “Flabébé”)",
    "reports negative latency after a clock step",
    "stalls when Redis restarts during a batch",
    "double-counts unchanged items",
    "should expose the request budget per source",
    "needs a --dry-run flag",
    "is slow with 10 000 items per page",
    "ignores Retry-After on 429",
    "logs the API key in a 5xx body",
)
WORDS = (
    "the", "sync", "job", "page", "item", "stream", "writer", "fetcher", "upstream", "batch",
    "retry", "cursor", "token", "header", "timeout", "payload", "breaker", "consumer", "when",
    "after", "before", "every", "never", "always", "seems", "returns", "expected", "actual",
    "between", "restart", "metrics", "latency", "queue", "config", "should", "could", "it",
    "naïve", "café", "Größe", "façade", "日本語", "データ", "ошибка", "données", "über", "😅",
    "🚀", "—", "…", "“quoted”", "ça", "Ñandú", "ζ-function", "العربية", "한국어", "✓",
)  # fmt: skip
CODE_LINES = (
    "async with session.get(url, params=params) as response:",
    "    body = await response.read()",
    "    assert response.status == 200, body[:200]",
    "items = [decode(entry) for entry in page['results']]",
    "await redis.xadd('itemsync:pages', {'payload': payload})",
    "raise RetryableError(f'upstream answered {status}')",
    "logger.info('page done', extra={'items': len(items)})",
    "SELECT external_id, content_hash FROM items WHERE api_source = %s",
)
LOG_LINES = (
    "2025-03-14T09:26:53Z ERROR fetcher: upstream answered 503 (attempt 3/5)",
    "2025-03-14T09:26:54Z WARN  breaker pokemon: open for 30s after 5 failures",
    "2025-03-14T09:27:01Z INFO  writer: batch of 100 items stored in 42 ms",
    "Traceback (most recent call last):",
    '  File "services/fetcher/handler.py", line 88, in handle',
    "aiohttp.client_exceptions.ServerDisconnectedError: Server disconnected",
)
EMOJI = ("🐛", "✨", "📝", "⚡", "🔥", "✅", "🤔", "👀")


def issue_title(rng: random.Random, number: int) -> str:
    """A title such as ``Fetcher retries a 401 forever instead of failing the job``."""
    subject = rng.choice(SUBJECTS)
    title = f"{subject[0].upper()}{subject[1:]} {rng.choice(PROBLEMS)}"
    if rng.random() < 0.2:
        title = f"{rng.choice(EMOJI)} {title}"
    if rng.random() < 0.1:
        title = f"[v{number % 3 + 1}.x] {title}"
    return title


def sentence(rng: random.Random) -> str:
    """One sentence of mixed words, sometimes with inline code."""
    words = [rng.choice(WORDS) for _ in range(rng.randint(6, 18))]
    words[0] = words[0][0].upper() + words[0][1:]
    if rng.random() < 0.2:
        words.insert(rng.randrange(len(words)), f"`{rng.choice(WORDS)}`")
    return " ".join(words) + rng.choice((".", ".", ".", "?", "!"))


def _paragraph(rng: random.Random) -> str:
    return " ".join(sentence(rng) for _ in range(rng.randint(2, 6)))


def _block(rng: random.Random, number: int) -> str:
    """One markdown block: a paragraph, a list, code, a log excerpt, a quote or a table."""
    kind = rng.random()
    if kind < 0.4:
        return _paragraph(rng)
    if kind < 0.55:
        steps = (f"{i}. {sentence(rng)}" for i in range(1, rng.randint(3, 6)))
        return "### Steps to reproduce\n\n" + "\n".join(steps)
    if kind < 0.65:
        code = "\n".join(rng.choice(CODE_LINES) for _ in range(rng.randint(3, 10)))
        return f"```python\n{code}\n```"
    if kind < 0.72:
        log = "\n".join(rng.choice(LOG_LINES) for _ in range(rng.randint(3, 12)))
        return f"<details><summary>Logs</summary>\n\n```\n{log}\n```\n\n</details>"
    if kind < 0.8:
        tasks = (f"- [{rng.choice(' x')}] {sentence(rng)}" for _ in range(rng.randint(2, 5)))
        return "\n".join(tasks)
    if kind < 0.87:
        return "> " + sentence(rng) + "\n> " + sentence(rng)
    if kind < 0.93:
        other = rng.randint(1, max(1, number - 1))
        return (
            f"Related to #{other} and {ORIGIN}/{REPO}/pull/{other + 1} "
            f"(see also [the docs]({ORIGIN}/{REPO}/blob/main/README.md#sources))."
        )
    rows = "\n".join(
        f"| {rng.choice(SUBJECTS)} | {rng.randint(1, 999)} ms | {rng.choice(EMOJI)} |"
        for _ in range(rng.randint(2, 5))
    )
    return "| component | p95 | status |\n|---|---|---|\n" + rows


def body_length(rng: random.Random) -> int:
    """How many characters a body aims at: mostly 0.1-1.8 K, some 1.8-5 K, a few 10-40 K."""
    draw = rng.random()
    if draw < 0.85:
        return rng.randint(100, 1_800)
    if draw < 0.95:
        return rng.randint(1_800, 5_000)
    return rng.randint(10_000, 40_000)


def issue_body(rng: random.Random, number: int, target: int) -> str:
    """A markdown body of about ``target`` characters."""
    blocks = [f"### Description\n\n{_paragraph(rng)}"]
    length = len(blocks[0])
    while length < target:
        block = _block(rng, number)
        blocks.append(block)
        length += len(block) + 2
    return "\n\n".join(blocks)

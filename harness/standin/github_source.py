"""The declared-source definition that reads the stand-in's GitHub-shaped issues API.

Tests and the bench write it into a ``SOURCES_DIR`` as ``github.yaml``; it reads the base URL
and the token from ``${GITHUB_BASE_URL}`` and ``${GITHUB_TOKEN}``.
"""

from __future__ import annotations

from collections.abc import Sequence

OWNER = "acme"
ACCEPT = "headers: {Accept: application/vnd.github+json}\n"
INCREMENTAL = "incremental: {cursor_field: updated_at, param: since}\n"


def github_definition(
    *,
    per_page: int,
    max_pages: int,
    repos: Sequence[str] = ("widgets",),
    accept_header: bool = True,
    incremental: bool = True,
) -> str:
    """The YAML of the ``github`` source listing the issues of ``OWNER``'s ``repos``.

    One repository is one walk, each issue keyed by its number; several are a ``for_each``
    walk each, keyed by the issue's ``owner/repo/issues/N`` (numbers repeat across them).
    """
    if len(repos) == 1:
        (repo,) = repos
        walk = f"  path: /repos/{OWNER}/{repo}/issues\n"
        key = "  id: number\n"
    else:
        walk = (
            f"  path: /repos/{OWNER}/{{repo}}/issues\n"
            f'  for_each: {{values: "{",".join(repos)}", as: repo}}\n'
        )
        key = "  id: {path: url, pattern: '/repos/([^/]+/[^/]+/issues/\\d+)$'}\n"
    return (
        "name: github\n"
        "base_url: ${GITHUB_BASE_URL}\n"
        "auth: {type: bearer, token: ${GITHUB_TOKEN}}\n"
        f"{ACCEPT if accept_header else ''}"
        "list:\n"
        f"{walk}"
        f"  params: {{state: all, per_page: {per_page}}}\n"
        f"  paginator: {{type: link_header, max_pages: {max_pages}}}\n"
        "  records: $\n"
        f"{key}"
        "  name: title\n"
        f"{INCREMENTAL if incremental else ''}"
    )

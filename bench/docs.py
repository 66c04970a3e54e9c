"""Write one section of docs/benchmarks.md, leaving the other scripts' sections alone."""

from __future__ import annotations

from pathlib import Path

DOC = Path(__file__).resolve().parent.parent / "docs" / "benchmarks.md"


def write_section(heading: str, lines: list[str]) -> None:
    """Replace the section whose heading starts with ``## {heading}`` (or append it)."""
    section = "\n".join(lines).rstrip("\n") + "\n\n"  # a blank line before the next section
    text = DOC.read_text(encoding="utf-8") if DOC.exists() else "# Benchmarks\n\n"
    start = text.find(f"## {heading}")
    if start >= 0:
        end = text.find("\n## ", start + 1)
        text = text[:start] + section + (text[end + 1 :] if end >= 0 else "")
    else:
        text = text.rstrip("\n") + "\n\n" + section
    DOC.write_text(text, encoding="utf-8")

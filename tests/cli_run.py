"""Running the command line in tests: exit status, what it printed, and the problems it named."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

from typer.testing import CliRunner

from cli import app

runner = CliRunner()

_ENTRY = re.compile(r"^(error|note|broken): |^\d+ problems? to fix|^solving |^  - ")


@dataclass(frozen=True)
class Run:
    """One finished command: exit status and its two streams."""

    code: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        return self.stdout + self.stderr

    def lines(self, kind: str = "error") -> list[str]:
        """The `kind: ...` lines of stderr, each joined back into one line where the console
        wrapped it at its width."""
        entries: list[str] = []
        for line in self.stderr.splitlines():
            if _ENTRY.match(line) or not entries:
                entries.append(line.rstrip())
            elif line.strip():
                entries[-1] += " " + line.strip()
        return [e[len(kind) + 2 :] for e in entries if e.startswith(f"{kind}: ")]


def cli(*args: str | Path) -> Run:
    """Run `placement ARGS`; fail the test on any traceback or exception other than an exit."""
    result = runner.invoke(app, [str(a) for a in args])
    assert "Traceback" not in result.output, result.output
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise AssertionError(f"uncaught {result.exception!r}\n{result.output}")
    return Run(result.exit_code, result.stdout, result.stderr)


def digest(path: Path) -> str | None:
    """SHA-256 of a file's bytes; None when there is no such file."""
    return hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else None


def flat(text: str) -> str:
    """Text with every run of whitespace (and the console's line wrapping) as one space."""
    return " ".join(text.split())

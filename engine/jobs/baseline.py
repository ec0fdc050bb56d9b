"""Baselines: record today's findings once, then report only new ones.

`--write-baseline FILE` records the findings of a run; `--baseline FILE` hides every
finding recorded there. Findings are matched by `Finding.fingerprint()` (rule, file and
subject: the case id, the summary group, or the clause's article and whitespace-normalised
text), never by line or row number, so inserting a paragraph above a recorded clause
keeps it hidden while editing the clause's words makes it new again.

The file is JSON, sorted and without line numbers, so that it only changes when the set
of findings does and diffs well under version control::

    {"version": 1, "tool": "xuke", "findings": [
      {"fingerprint": "...", "rule": "LIC-42-OVERDUE", "file": "export.csv", "subject": "case A1"}]}
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Iterator, Mapping, Set
from typing import Any

from ..errors import XukeError
from ..reports.atomic import atomic_write
from ..safefs import read_small

BASELINE_VERSION = 1
_SUBJECT_CHARS = 80


def subject_summary(finding) -> str:
    """What a finding is about, for a person reading the baseline (never matched on)."""
    if finding.case_id is not None:
        return f"case {finding.case_id}"
    if finding.group is not None:
        return ", ".join(f"{k}={v}" for k, v in sorted(finding.group.items()))
    text = " ".join((finding.text or "").split())
    if len(text) > _SUBJECT_CHARS:
        text = text[: _SUBJECT_CHARS - 1] + "…"
    return " ".join(p for p in (finding.article or "", text) if p) or "(document)"


def baseline_entries(findings: Iterable) -> list[dict[str, str]]:
    """One entry per distinct fingerprint, sorted by file, rule, subject, fingerprint."""
    seen: dict[str, dict[str, str]] = {}
    for f in findings:
        fp = f.fingerprint()
        if fp not in seen:
            seen[fp] = {
                "fingerprint": fp,
                "rule": f.rule,
                "file": f.file or "",
                "subject": subject_summary(f),
            }
    return sorted(seen.values(), key=lambda e: (e["file"], e["rule"], e["subject"], e["fingerprint"]))


def write_baseline(path: str | os.PathLike, findings: Iterable) -> int:
    """Record `findings` in `path` (atomically: all or nothing). Returns the number of entries."""
    entries = baseline_entries(findings)
    doc = {"version": BASELINE_VERSION, "tool": "xuke", "findings": entries}
    text = json.dumps(doc, ensure_ascii=False, indent=2) + "\n"
    atomic_write(path, lambda fh: fh.write(text))
    return len(entries)


MAX_BYTES = 2**30  # a baseline file (about ten million findings) is read up to this


def load_baseline(path: str | os.PathLike) -> set[str]:
    """The fingerprints recorded in a baseline file."""
    label = os.fspath(path)
    try:
        # a regular file only, and at most MAX_BYTES of it: a FIFO or /dev/zero never ends (B20)
        raw = read_small(path, MAX_BYTES, f"baseline {label}")
    except FileNotFoundError:
        raise XukeError(
            f"baseline {label}: no such file (record one with --write-baseline {label})"
        ) from None
    except IsADirectoryError:
        raise XukeError(f"baseline {label}: is a directory") from None
    except OSError as e:
        raise XukeError(f"baseline {label}: cannot read: {e.strerror}") from None
    try:
        doc = json.loads(raw.decode("utf-8-sig"))
    except UnicodeDecodeError as e:
        raise XukeError(f"baseline {label}: not UTF-8 text (byte {e.start})") from None
    except json.JSONDecodeError as e:
        raise XukeError(f"baseline {label}:{e.lineno}:{e.colno}: not JSON: {e.msg}") from None
    except RecursionError:  # json recurses once per level: 100,000 [ overflowed the stack
        raise XukeError(f"baseline {label}: not a xuke baseline (JSON nested too deeply)") from None
    if not isinstance(doc, dict) or doc.get("tool") != "xuke" or "findings" not in doc:
        raise XukeError(f"baseline {label}: not a xuke baseline (expected an object with "
                        f'"tool": "xuke" and "findings"; write one with --write-baseline)')  # fmt: skip
    version = doc.get("version")
    if version != BASELINE_VERSION or isinstance(version, bool):
        raise XukeError(f"baseline {label}: unsupported version {version!r} (this xuke reads version "
                        f"{BASELINE_VERSION}; write it again with --write-baseline)")  # fmt: skip
    entries = doc["findings"]
    if not isinstance(entries, list):
        raise XukeError(f'baseline {label}: "findings" must be a list')
    out: set[str] = set()
    for i, entry in enumerate(entries):
        fp = entry.get("fingerprint") if isinstance(entry, dict) else None
        if not isinstance(fp, str) or not fp:
            raise XukeError(f'baseline {label}: findings[{i}]: no "fingerprint"')
        out.add(fp)
    return out


def hide(findings: Iterable, fingerprints: Set[str]) -> Iterator:
    """The findings not in the baseline, lazily (for a spooled audit's millions of findings)."""
    for f in findings:
        if f.fingerprint() not in fingerprints:
            yield f


def apply_baseline(findings: Iterable, fingerprints: Set[str]) -> tuple[list, int]:
    """(the findings not in the baseline, in their order; how many were hidden)."""
    kept, hidden = [], 0
    for f in findings:
        if f.fingerprint() in fingerprints:
            hidden += 1
        else:
            kept.append(f)
    return kept, hidden


class FindingView:
    """The findings of a run as reported: those of the rules `config` selects, with its
    severities, minus those in the baseline `fingerprints`. Re-iterable and lazy, so a
    spooled audit's findings can be counted in one pass and written in another without
    holding them in memory. `close()` closes the underlying spool, if any."""

    def __init__(self, findings, config=None, fingerprints: Set[str] | None = None):
        self.source = findings
        self.config = config
        self.fingerprints = fingerprints

    def _selected(self) -> Iterator:
        return self.config.select(self.source) if self.config is not None else iter(self.source)

    def __iter__(self) -> Iterator:
        if self.fingerprints is None:
            return self._selected()
        return hide(self._selected(), self.fingerprints)

    def tally(self) -> tuple[dict[str, int], int]:
        """One pass: (findings reported, by rule; findings hidden by the baseline)."""
        by_rule: dict[str, int] = {}
        hidden = 0
        fps = self.fingerprints or ()
        for f in self._selected():
            if f.fingerprint() in fps:
                hidden += 1
            else:
                by_rule[f.rule] = by_rule.get(f.rule, 0) + 1
        return dict(sorted(by_rule.items())), hidden

    def close(self) -> None:
        if hasattr(self.source, "close"):
            self.source.close()


def refresh_summary(summary: Mapping[str, Any] | None, findings, **notes) -> dict[str, Any] | None:
    """A run's summary after findings were left out (by the configuration or a baseline):
    `findings` and `findings_by_rule` recounted from `findings` (the findings reported, or
    their counts by rule as `FindingView.tally` gives them), `notes` added (e.g.
    baseline={"file": ..., "hidden": N}). The summary passed in is not changed."""
    if summary is None:
        return None
    out = dict(summary)
    if isinstance(findings, Mapping):
        by_rule = dict(findings)
    else:
        by_rule = {}
        for f in findings:
            by_rule[f.rule] = by_rule.get(f.rule, 0) + 1
    if "findings" in out:
        out["findings"] = sum(by_rule.values())
    if "findings_by_rule" in out:
        out["findings_by_rule"] = dict(sorted(by_rule.items()))
    out.update(notes)
    return out

#!/usr/bin/env python3
"""Rebuild rules/data/national_laws.csv: PRC national laws and administrative regulations.

Usage:
    python rules/data/refresh_national_laws.py /path/to/Laws \
        [--repealed rules/data/repealed.yaml] [-o rules/data/national_laws.csv] [--rev HEAD]

/path/to/Laws is a LawRefBook/Laws collection: either a checkout (a folder holding
行政法规/, 行政法/, ... and db.sqlite3) or a git directory of it, bare or not (read with
`git ls-tree` / `git cat-file` at --rev, default HEAD; no work tree needed).

What goes into the CSV (one row per title, sorted by title, UTF-8, "\\n" line ends):

1. Every law and administrative regulation in the collection: the law folders (宪法相关法,
   民法典, 民法商法, 行政法, 经济法, 社会法, 刑法, 诉讼与非诉讼程序法) give rank 法律 (or
   法律问题的决定 for titles beginning 全国人民代表大会[常务委员会]关于), the folder 行政法规
   gives rank 行政法规. 宪法 (the Constitution and its amendments), 部门规章, 司法解释, 案例
   and DLC (local legislation) are left out. Versions of one title (立法法(2015-03-15).md,
   立法法(2023-03-13).md) collapse into one row: `enacted` is the first promulgation date
   read from the document header (the 公布/发布 line, else the 通过 line, else the earliest
   file date), `latest` the newest version or amendment date. A title whose newest version
   db.sqlite3 marks expired gets status 已废止.
2. Repeals the collection's own texts record: a final article such as "本法自2021年1月1日
   起施行。《中华人民共和国合同法》…同时废止。" marks 合同法 已被替代 on 2021-01-01 by the
   law that says it, with that article as the source; a repealed title the collection lacks
   becomes a row of its own (its rank guessed from the sentence: 国务院/政务院 → 行政法规,
   全国人民代表大会 → 法律, a ministry alone → left out as a departmental rule). Partial
   repeals ("…中有关…的规定同时废止") and re-enactments under the same title are skipped.
3. The hand-kept YAML file (--repealed, default rules/data/repealed.yaml beside this script),
   which wins over 1 and 2. It has three lists:
     repealed:     title, repealed (YYYY-MM-DD or empty), replaced_by, source (URL or
                   collection path that says so); rank/enacted/latest required only for a
                   title the collection lacks; status defaults to 已被替代 when replaced_by is
                   given, else 已废止.
     supplements:  titles in force that the collection lacks (e.g. 国务院决定 and NPC
                   decisions that set licences): title, rank, enacted, latest, source.
     exclude:      titles the collection files as 行政法规 that are not (ministry documents):
                   title, reason.
   Keep repeal facts that are not in the collection (国务院关于废止部分行政法规的决定 batches,
   NPC decisions, later events) in that file, each with its source.

Output is deterministic: the same snapshot and YAML give the same bytes. Exit status 2 with a
one-line message for a wrong path, a snapshot that is not LawRefBook/Laws, or a bad YAML file.
Needs the standard library, PyYAML and (for a git directory) the git command.
"""
from __future__ import annotations

import argparse
import csv
import io
import re
import sqlite3
import subprocess
import sys
import tempfile
import unicodedata
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
COLUMNS = ("title", "short", "rank", "status", "enacted", "latest", "repealed", "replaced_by", "source")
RANKS = ("法律", "行政法规", "法律问题的决定", "国务院决定")
STATUSES = ("有效", "已废止", "已被替代")
LAW_FOLDERS = ("宪法相关法", "民法典", "民法商法", "行政法", "经济法", "社会法", "刑法", "诉讼与非诉讼程序法")
REG_FOLDER = "行政法规"
PREFIX = "中华人民共和国"
ORIGIN = "LawRefBook/Laws:"


class Fail(Exception):
    """A one-line error for the command line (exit status 2)."""


# --------------------------------------------------------------------------- keys and dates

_DROP = dict.fromkeys(map(ord, "《》〈〉<>＜＞「」『』\"'“”‘’\u200b\u200c\u200d\u2060\ufeff"), None)
_BRACKETS = str.maketrans({"【": "(", "】": ")", "〔": "(", "〕": ")", "[": "(", "]": ")"})


def title_key(title: str) -> str:
    """The matching key of a title: NFKC, no spaces or quote marks, no 中华人民共和国.

    Keep in step with engine/domain/national_laws.py normalise_title.
    """
    text = unicodedata.normalize("NFKC", title).translate(_BRACKETS).translate(_DROP)
    text = "".join(text.split())
    return text.replace(PREFIX, "")


def short_of(title: str) -> str:
    return title[len(PREFIX):] if title.startswith(PREFIX) and len(title) > len(PREFIX) else title


_CN_DIGITS = {"〇": 0, "○": 0, "零": 0, "一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_CN_DATE = re.compile(r"([〇○零一二三四五六七八九]{4})年([一二三四五六七八九十]{1,3})月([一二三四五六七八九十]{1,3})日")
_AR_DATE = re.compile(r"(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日")
_ANY_DATE = re.compile(_AR_DATE.pattern + "|" + _CN_DATE.pattern)


def _cn_number(text: str) -> int:
    if "十" not in text:
        return _CN_DIGITS[text]
    tens, _, units = text.partition("十")
    return (_CN_DIGITS[tens] if tens else 1) * 10 + (_CN_DIGITS[units] if units else 0)


def _make_date(y: int, m: int, d: int) -> date | None:
    try:
        return date(y, m, d)
    except ValueError:
        return None


def date_of(match: re.Match) -> date | None:
    """A date from a match of _ANY_DATE (Arabic or Chinese numerals)."""
    if match.group(1):
        return _make_date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
    year = int("".join(str(_CN_DIGITS[c]) for c in match.group(4)))
    return _make_date(year, _cn_number(match.group(5)), _cn_number(match.group(6)))


def parse_iso(value, what: str) -> date | None:
    if value is None or value == "":
        return None
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        raise Fail(f"{what}: not a YYYY-MM-DD date: {value!r}") from None


# --------------------------------------------------------------------------- snapshots


class Snapshot:
    revision = "work tree"

    def paths(self) -> list[str]:
        raise NotImplementedError

    def read(self, path: str) -> bytes:
        raise NotImplementedError


class WorkTree(Snapshot):
    def __init__(self, root: Path):
        self.root = root
        try:
            out = subprocess.run(["git", "-C", str(root), "rev-parse", "HEAD"], capture_output=True, text=True)
            if out.returncode == 0:
                self.revision = out.stdout.strip()
        except OSError:
            pass

    def paths(self) -> list[str]:
        found = []
        for folder in (REG_FOLDER, *LAW_FOLDERS):
            base = self.root / folder
            if base.is_dir():
                found += [p.relative_to(self.root).as_posix() for p in base.rglob("*.md") if p.is_file()]
        if (self.root / "db.sqlite3").is_file():
            found.append("db.sqlite3")
        return sorted(found)

    def read(self, path: str) -> bytes:
        return (self.root / path).read_bytes()


class GitDir(Snapshot):
    def __init__(self, root: Path, rev: str):
        self.root = root
        self.revision = self._git("rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}").decode().strip()
        listing = self._git("ls-tree", "-r", "-z", self.revision).split(b"\0")
        self._objects: dict[str, str] = {}
        for entry in listing:
            if not entry:
                continue
            meta, _, raw_path = entry.partition(b"\t")
            kind, sha = meta.split()[1:3]
            if kind == b"blob":
                self._objects[raw_path.decode("utf-8", "surrogateescape")] = sha.decode()
        self._cache: dict[str, bytes] = {}

    def _git(self, *args: str, stdin: bytes | None = None) -> bytes:
        try:
            out = subprocess.run(["git", "-C", str(self.root), *args], input=stdin, capture_output=True)
        except OSError as exc:
            raise Fail(f"cannot run git: {exc}") from None
        if out.returncode != 0:
            msg = out.stderr.decode("utf-8", "replace").strip().splitlines()
            raise Fail(f"{self.root}: git {args[0]} failed: {msg[-1] if msg else 'exit ' + str(out.returncode)}")
        return out.stdout

    def paths(self) -> list[str]:
        wanted = (REG_FOLDER + "/", *(f + "/" for f in LAW_FOLDERS))
        return sorted(p for p in self._objects if (p.startswith(wanted) and p.endswith(".md")) or p == "db.sqlite3")

    def prefetch(self, paths: list[str]) -> None:
        shas = [self._objects[p] for p in paths]
        out = self._git("cat-file", "--batch", stdin="".join(s + "\n" for s in shas).encode())
        pos = 0
        for path, sha in zip(paths, shas):
            end = out.index(b"\n", pos)
            header = out[pos:end].split()
            if header[0].decode() != sha or header[1] != b"blob":
                raise Fail(f"{self.root}: git cat-file returned an unexpected object for {path}")
            size = int(header[2])
            self._cache[path] = out[end + 1:end + 1 + size]
            pos = end + 1 + size + 1

    def read(self, path: str) -> bytes:
        if path not in self._cache:
            self.prefetch([path])
        return self._cache[path]


def open_snapshot(arg: str, rev: str) -> Snapshot:
    root = Path(arg)
    if not root.exists():
        raise Fail(f"{arg}: no such file or directory")
    if not root.is_dir():
        raise Fail(f"{arg}: not a directory (give a LawRefBook/Laws checkout or git directory)")
    if (root / REG_FOLDER).is_dir():
        return WorkTree(root)
    try:
        probe = subprocess.run(["git", "-C", str(root), "rev-parse", "--git-dir"], capture_output=True)
    except OSError:
        probe = None
    if probe is None or probe.returncode != 0:
        raise Fail(f"{arg}: neither a LawRefBook/Laws checkout (no {REG_FOLDER}/ folder) nor a git directory")
    snap = GitDir(root, rev)
    if not any(p.startswith(REG_FOLDER + "/") for p in snap.paths()):
        raise Fail(f"{arg}: {snap.revision[:12]} has no {REG_FOLDER}/ folder; is this LawRefBook/Laws?")
    snap.prefetch(snap.paths())
    return snap


# --------------------------------------------------------------------------- documents

_FILE = re.compile(r"^(?P<folder>[^/]+)/(?P<stem>.+?)(?:\((?P<date>\d{4}-\d{2}-\d{2})\))?\.md$")
_HEAD_DATE = re.compile(r"^\s*" + _AR_DATE.pattern + r"\s*(?P<what>.*)$")
_AMEND = re.compile(r"修正|修订|修改")
_PROMULGATE = re.compile(r"公布|发布|颁布|主席令|国务院令")
_PASS = re.compile(r"通过|批准")
_EFFECT_ONLY = re.compile(r"施行|实施|执行|生效")


@dataclass
class Doc:
    path: str
    folder: str
    stem: str
    file_date: date | None
    title: str
    enacted: date | None  # from the header
    event_dates: list[date]
    body: str


def parse_doc(path: str, raw: bytes) -> Doc | None:
    m = _FILE.match(path)
    if not m or m.group("stem") == "_index":
        return None
    text = raw.decode("utf-8", "replace").replace("\r\n", "\n")
    if "<!-- INFO END -->" in text:
        head, body = text.split("<!-- INFO END -->", 1)
    else:
        cut = re.search(r"^(?:## |第一条)", text, re.M)
        head, body = (text[:cut.start()], text[cut.start():]) if cut else (text, "")
    title = ""
    events: list[tuple[date, str]] = []
    for line in head.splitlines():
        line = re.sub(r"<!--.*?-->", "", line).strip()
        if not title and line.startswith("# "):
            title = line[2:].strip()
            continue
        hm = _HEAD_DATE.match(line)
        if hm:
            day = _make_date(int(hm.group(1)), int(hm.group(2)), int(hm.group(3)))
            what = hm.group("what")
            if day is None:
                continue
            if _EFFECT_ONLY.search(what) and not (_AMEND.search(what) or _PROMULGATE.search(what) or _PASS.search(what)):
                continue
            events.append((day, what))
    if not title:
        title = m.group("stem")
    first_group = []
    for day, what in events:
        if _AMEND.search(what):
            break
        first_group.append((day, what))
    enacted = None
    for pattern in (_PROMULGATE, _PASS):
        hits = [day for day, what in first_group if pattern.search(what)]
        if hits:
            enacted = hits[0]
            break
    if enacted is None and first_group:
        enacted = first_group[0][0]
    file_date = date.fromisoformat(m.group("date")) if m.group("date") else None
    return Doc(path, m.group("folder"), m.group("stem"), file_date, title, enacted, [d for d, _ in events], body)


@dataclass
class Row:
    title: str
    rank: str
    status: str = "有效"
    enacted: date | None = None
    latest: date | None = None
    repealed: date | None = None
    replaced_by: str = ""
    source: str = ""
    docs: list[Doc] = field(default_factory=list)
    from_collection: bool = False

    def as_csv(self) -> list[str]:
        iso = lambda d: d.isoformat() if d else ""  # noqa: E731
        return [self.title, short_of(self.title), self.rank, self.status, iso(self.enacted), iso(self.latest),
                iso(self.repealed), self.replaced_by, self.source]


def rank_for(folder: str, title: str) -> str:
    if folder == REG_FOLDER:
        return "行政法规"
    if re.match(r"全国人民代表大会(常务委员会)?关于", title):
        return "法律问题的决定"
    return "法律"


def load_expired(snap: Snapshot, paths: list[str]) -> dict[tuple[str, str], bool]:
    """(name, publish date) -> expired, from the collection's db.sqlite3 (empty when absent)."""
    if "db.sqlite3" not in paths:
        return {}
    with tempfile.TemporaryDirectory() as tmp:
        db_path = Path(tmp) / "db.sqlite3"
        db_path.write_bytes(snap.read("db.sqlite3"))
        con = sqlite3.connect(str(db_path))
        try:
            rows = con.execute("SELECT name, publish, expired FROM law WHERE level IN ('法律', '行政法规')").fetchall()
        except sqlite3.Error as exc:
            raise Fail(f"db.sqlite3: cannot read table law: {exc}") from None
        finally:
            con.close()
    return {(name, str(publish or "")): bool(expired) for name, publish, expired in rows}


def collection_rows(snap: Snapshot) -> dict[str, Row]:
    paths = snap.paths()
    expired = load_expired(snap, paths)
    groups: dict[str, list[Doc]] = defaultdict(list)
    for path in paths:
        if path == "db.sqlite3":
            continue
        doc = parse_doc(path, snap.read(path))
        if doc is not None:
            groups[title_key(doc.title)].append(doc)
    rows: dict[str, Row] = {}
    for key, docs in groups.items():
        docs.sort(key=lambda d: (d.file_date or max(d.event_dates, default=date.min), d.path))
        newest = docs[-1]
        header_enacted = [d.enacted for d in docs if d.enacted]
        file_dates = [d.file_date for d in docs if d.file_date]
        enacted = min(header_enacted) if header_enacted else min(file_dates, default=None)
        every = file_dates + [e for d in docs for e in d.event_dates]
        latest = max(every, default=enacted)
        if enacted and latest and latest < enacted:
            latest = enacted
        ranks = {rank_for(d.folder, newest.title) for d in docs}
        rank = "行政法规" if ranks == {"行政法规"} else rank_for("", newest.title)
        newest_date = newest.file_date
        latest_docs = [d for d in docs if d.file_date == newest_date]
        if newest_date is None and len({d.folder for d in docs}) == 1 and len(docs) > 1:
            source = ORIGIN + newest.folder + "/"
        else:
            source = ORIGIN + min(d.path for d in latest_docs)
        row = Row(newest.title, rank, enacted=enacted, latest=latest, source=source, docs=docs, from_collection=True)
        if newest_date and any(expired.get((d.stem, newest_date.isoformat())) for d in latest_docs):
            row.status = "已废止"
        rows[key] = row
    return rows


# --------------------------------------------------------------------------- repeals in the texts

_EFFECT = re.compile(
    r"(?:自|于|从)\s*(?:(?P<date>" + _ANY_DATE.pattern + r")|(?P<pub>公布|发布|颁布|公布施行)之日)\s*起?\s*(?:施行|实行|生效)"
)
_ARTICLE = re.compile(r"^\s*(第[一二三四五六七八九十百零〇]+条)")
_MINISTRY = re.compile(r"部|局|委员会|总署|银行|办公厅|办公室|署|总局|人民政府")
_SKIP_TITLE = re.compile(r"^国务院关于修改|批转|(通知|报告|请示|批复)$")
_CONNECTOR = re.compile(r"^[\s、，,和及以及与]*$")


def bracket_titles(text: str) -> list[tuple[int, int, str]]:
    """(start, end, inner) of each outermost 《…》 in text (nested 《》/〈〉 allowed)."""
    out, depth, start = [], 0, -1
    for i, ch in enumerate(text):
        if ch == "《":
            if depth == 0:
                start = i
            depth += 1
        elif ch == "》" and depth:
            depth -= 1
            if depth == 0:
                out.append((start, i + 1, text[start + 1:i]))
    return out


@dataclass
class RepealFact:
    title: str
    rank: str | None
    enacted: date | None
    latest: date | None
    repealed: date | None
    replaced_by: str
    source: str


def _effect_date(line: str, repealer: Row) -> date | None:
    m = _EFFECT.search(line)
    if not m:
        return None
    if m.group("pub"):
        return repealer.enacted
    sub = _ANY_DATE.search(m.group("date"))
    return date_of(sub) if sub else None


def _prefix_dates(prefix: str) -> tuple[date | None, date | None]:
    hits = list(_ANY_DATE.finditer(prefix))
    if not hits:
        return None, None
    spans = [(date_of(h), prefix[h.end():(hits[i + 1].start() if i + 1 < len(hits) else len(prefix))])
             for i, h in enumerate(hits)]
    spans = [(d, what) for d, what in spans if d]
    if not spans:
        return None, None
    enacted = next((d for d, what in spans if re.search(r"公布|发布|颁布|通过|施行", what)), spans[0][0])
    amended = [d for d, what in spans if _AMEND.search(what)]
    return enacted, max(amended) if amended else enacted


def _guess_rank(prefix: str, title: str, repealer: Row) -> str | None:
    if re.match(r"(中华人民共和国)?全国人民代表大会(常务委员会)?关于", title):
        return "法律问题的决定"
    if "全国人民代表大会" in prefix:
        return "法律"
    if re.search(r"国务院|政务院", prefix):
        return "行政法规"
    body = re.sub(_ANY_DATE.pattern, "", prefix)
    if _MINISTRY.search(body):
        return None  # a departmental rule
    if "中央人民政府" in prefix:
        return "法律"
    if repealer.rank == "行政法规":
        return "法律" if re.search(r"(?<!办)法(\(|（|$)", title) else "行政法规"
    return "法律"


def mined_repeals(rows: dict[str, Row]) -> list[RepealFact]:
    facts: list[RepealFact] = []
    for key in sorted(rows):
        row = rows[key]
        if not row.docs:
            continue
        seen_lines: set[str] = set()
        for doc in sorted(row.docs, key=lambda d: (d.file_date or date.max, d.path), reverse=True):
            lines = [ln.strip() for ln in doc.body.splitlines() if ln.strip()]
            for idx, line in enumerate(lines):
                if "废止" not in line or "《" not in line or line in seen_lines:
                    continue
                seen_lines.add(line)
                when = _effect_date(line, row)
                if when is None and idx and not _EFFECT.search(line):
                    when = _effect_date(lines[idx - 1], row)
                article = _ARTICLE.match(line)
                where = f"{ORIGIN}{doc.path}" + (f" {article.group(1)}" if article else "")
                for sentence in re.split(r"[。；;]", line):
                    titles = bracket_titles(sentence)
                    if not titles or "废止" not in sentence[titles[-1][1]:]:
                        continue
                    prev_end, prev_prefix = 0, ""
                    for start, end, inner in titles:
                        prefix = sentence[prev_end:start]
                        tail = sentence[end:end + 6]
                        prev_end = end
                        prefix = re.sub(r"^.*?(?:施行|实行)[，,]?", "", prefix) if "起施行" in prefix else prefix
                        if _CONNECTOR.match(prefix):
                            prefix = prev_prefix  # 《甲》和《乙》: 乙 shares 甲's issuer
                        prev_prefix = prefix
                        if (re.match(r"\s*(中|里)(有关|关于)", tail) or _SKIP_TITLE.search(inner)
                                or "批转" in prefix):
                            continue
                        name = inner.replace("〈", "《").replace("〉", "》").strip()
                        if not name or title_key(name) == key:
                            continue
                        enacted, latest = _prefix_dates(prefix)
                        facts.append(RepealFact(name, _guess_rank(prefix, name, row), enacted, latest, when,
                                                row.title, where))
    return facts


def apply_mined(rows: dict[str, Row], facts: list[RepealFact]) -> None:
    by_key: dict[str, RepealFact] = {}
    for fact in sorted(facts, key=lambda f: (f.repealed or date.max, f.source, f.title)):
        by_key.setdefault(title_key(fact.title), fact)
    for key in sorted(by_key):
        fact = by_key[key]
        row = rows.get(key)
        if row is not None:
            if fact.repealed and row.enacted and row.enacted >= fact.repealed:
                continue  # a later re-enactment under the same title
            row.status = "已被替代"
            row.repealed = fact.repealed
            row.replaced_by = fact.replaced_by
            row.source = f"{fact.source} ; {row.source}"
            continue
        if fact.rank is None:
            continue
        rows[key] = Row(fact.title, fact.rank, "已被替代", fact.enacted, fact.latest or fact.enacted,
                        fact.repealed, fact.replaced_by, fact.source)


# --------------------------------------------------------------------------- the hand-kept YAML


def load_yaml(path: Path) -> dict:
    if not path.is_file():
        raise Fail(f"{path}: no such file (the hand-kept repeal list)")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1})" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise Fail(f"{path}: not valid YAML{where}: {problem}") from None
    if not isinstance(data, dict):
        raise Fail(f"{path}: expected a mapping with the lists repealed, supplements, exclude")
    unknown = set(data) - {"repealed", "supplements", "exclude"}
    if unknown:
        raise Fail(f"{path}: unknown top-level key(s): {', '.join(sorted(map(str, unknown)))}")
    for name in ("repealed", "supplements", "exclude"):
        items = data.get(name) or []
        if not isinstance(items, list) or not all(isinstance(i, dict) and i.get("title") for i in items):
            raise Fail(f"{path}: {name} must be a list of mappings, each with a title")
        data[name] = items
    return data


def _text(entry: dict, name: str) -> str:
    value = entry.get(name)
    return "" if value is None else str(value).strip()


def apply_yaml(rows: dict[str, Row], data: dict, path: Path) -> None:
    keys_seen: Counter = Counter()
    for entry in data["exclude"]:
        rows.pop(title_key(_text(entry, "title")), None)
    for kind in ("supplements", "repealed"):
        for i, entry in enumerate(data[kind], 1):
            where = f"{path.name}: {kind}[{i}] {_text(entry, 'title')}"
            title = _text(entry, "title")
            key = title_key(title)
            keys_seen[key] += 1
            if keys_seen[key] > 1:
                raise Fail(f"{where}: listed twice")
            source = _text(entry, "source")
            if not source:
                raise Fail(f"{where}: no source")
            repealed = parse_iso(entry.get("repealed"), where)
            replaced_by = _text(entry, "replaced_by")
            status = _text(entry, "status") or ("有效" if kind == "supplements" and not repealed
                                                else "已被替代" if replaced_by else "已废止")
            if status not in STATUSES:
                raise Fail(f"{where}: status must be one of {', '.join(STATUSES)}")
            rank = _text(entry, "rank")
            if rank and rank not in RANKS:
                raise Fail(f"{where}: rank must be one of {', '.join(RANKS)}")
            enacted = parse_iso(entry.get("enacted"), where)
            latest = parse_iso(entry.get("latest"), where)
            row = rows.get(key)
            if row is None:
                if not rank:
                    raise Fail(f"{where}: not in the collection, so it needs a rank")
                row = rows[key] = Row(title, rank, source="")
                row.enacted, row.latest = enacted, latest or enacted
                row.source = source
            else:
                if rank:
                    row.rank = rank
                if enacted:
                    row.enacted = enacted
                if latest:
                    row.latest = latest
                row.source = source if not row.from_collection else f"{source} ; {row.source.split(' ; ')[-1]}"
            row.status, row.repealed, row.replaced_by = status, repealed, replaced_by


# --------------------------------------------------------------------------- output


def render(rows: dict[str, Row]) -> str:
    titles = Counter(r.title for r in rows.values())
    dupes = [t for t, n in titles.items() if n > 1]
    if dupes:
        raise Fail(f"duplicate titles after merging: {', '.join(sorted(dupes)[:5])}")
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(COLUMNS)
    for row in sorted(rows.values(), key=lambda r: r.title):
        if row.enacted and (row.latest is None or row.latest < row.enacted):
            row.latest = row.enacted
        if row.rank not in RANKS or row.status not in STATUSES:
            raise Fail(f"{row.title}: bad rank {row.rank!r} or status {row.status!r}")
        writer.writerow(row.as_csv())
    return buf.getvalue()


def build(source: str, repealed_yaml: Path, rev: str = "HEAD") -> tuple[str, str, dict[str, Row]]:
    snap = open_snapshot(source, rev)
    rows = collection_rows(snap)
    if not rows:
        raise Fail(f"{source}: no laws or regulations found")
    apply_mined(rows, mined_repeals(rows))
    apply_yaml(rows, load_yaml(repealed_yaml), repealed_yaml)
    return render(rows), snap.revision, rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("laws", help="LawRefBook/Laws checkout or git directory")
    parser.add_argument("--repealed", type=Path, default=HERE / "repealed.yaml", help="hand-kept YAML list")
    parser.add_argument("-o", "--output", type=Path, default=HERE / "national_laws.csv", help="CSV to write")
    parser.add_argument("--rev", default="HEAD", help="revision to read from a git directory (default HEAD)")
    args = parser.parse_args(argv)
    try:
        text, revision, rows = build(args.laws, args.repealed, args.rev)
        if not args.output.parent.is_dir():
            raise Fail(f"{args.output.parent}: no such directory")
        args.output.write_bytes(text.encode("utf-8"))
    except Fail as exc:
        print(f"refresh_national_laws: error: {exc}", file=sys.stderr)
        return 2
    counts = Counter((r.rank, r.status) for r in rows.values())
    summary = ", ".join(f"{rank}/{status} {n}" for (rank, status), n in sorted(counts.items()))
    print(f"wrote {len(rows)} rows to {args.output} from {revision}: {summary}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())

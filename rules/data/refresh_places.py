"""Rebuild rules/data/places.csv, the gazetteer of PRC administrative divisions the documents
pack uses to recognise a named place (在婺源县注册, 深圳注册企业).

    python rules/data/refresh_places.py [PATH/TO/china_location.txt]

The source is the administrative-division list shipped with JioNLP (Apache License 2.0,
https://github.com/dongrixinyu/JioNLP, file jionlp/dictionary/china_location.zip, one
division a line, indented by level: province, city, county, town, village, each with its
code and short name). With no argument the script looks for an installed jionlp
(`pip install jionlp` in a throw-away virtual environment is enough; xuke does not import
jionlp). Only the first three levels are kept: 34 provinces, the prefecture-level cities and
the counties, with their 6-digit codes (GB/T 2260).
"""

from __future__ import annotations

import csv
import io
import sys
import zipfile
from pathlib import Path

OUT = Path(__file__).with_name("places.csv")
LEVELS = ("province", "city", "county")


def _source(argv) -> str:
    if argv:
        return Path(argv[0]).read_text(encoding="utf-8")
    import importlib.util

    spec = importlib.util.find_spec("jionlp")
    if spec is None or not spec.submodule_search_locations:
        sys.exit("jionlp is not installed: pip install jionlp, or give the path of china_location.txt")
    archive = Path(next(iter(spec.submodule_search_locations))) / "dictionary" / "china_location.zip"
    with zipfile.ZipFile(archive) as z:
        return z.read("china_location.txt").decode("utf-8")


def rows(text: str):
    parents: list[str] = ["", "", ""]
    for raw in io.StringIO(text):
        level = len(raw) - len(raw.lstrip("\t"))
        if level > 2:
            continue
        parts = raw.strip().split("\t")
        if len(parts) < 3 or not parts[1].isdigit():
            continue
        name, code, short = parts[0], parts[1], parts[2]
        parents[level] = name
        yield {"name": name, "short": short, "level": LEVELS[level], "code": code,
               "province": parents[0], "city": parents[1] if level == 2 else ""}


def main(argv=None) -> int:
    seen = set()
    out = []
    for row in rows(_source(sys.argv[1:] if argv is None else argv)):
        key = (row["name"], row["code"])
        if key not in seen:
            seen.add(key)
            out.append(row)
    with OUT.open("w", encoding="utf-8", newline="") as f:
        w = csv.DictWriter(f, fieldnames=["name", "short", "level", "code", "province", "city"], lineterminator="\n")
        w.writeheader()
        w.writerows(out)
    print(f"{OUT}: {len(out)} divisions")
    return 0


if __name__ == "__main__":
    sys.exit(main())

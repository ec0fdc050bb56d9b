"""Pure helpers over the text of a clause, for the document rules (RULES.md section 2).

The rule pack calls them as functions (`cites_basis(text)`, `basis(text)`,
`prohibits(text)`, `quotes_law(text)`, `without_prohibitions(text)`); `FUNCTIONS` lists
them with their argument and result types for the checker. Every helper takes null
(None) as an empty text, is deterministic, and never raises on any string.

Definitions (the judgement calls are here, so the pack can stay declarative):

* A *law title* is a 《…》 title ending in 法 (not 办法 or 方法), 法典 or 条例, or
  ending in 决定 when it is a decision of the State Council or of a people's congress
  (国务院 / 人民代表大会 / 人大常委会): these are the instruments that may set a
  licence (行政许可法 第十四条 to 第十七条). A trailing note such as （试行） or
  （2019年修正） is ignored; a title marked （草案） or （征求意见稿） is not a law yet.
  办法, 规定, 细则, 通知, 意见, 方案 titles are never a basis: they are what is being
  reviewed.
* A clause *cites a basis* when a law title is introduced by 依据/根据/按照/依照/遵照/
  遵循 in the same comma-delimited stretch (other 《…》 titles and a few words may come
  between, as in 根据《A办法》和《B条例》), or directly by 按《, or is itself followed by
  an article or a reference to its provisions (《…法》第十二条, 《…条例》的规定). A bare
  mention (违反《…法》的) is not a citation.
* A clause *states a prohibition* when 不得/禁止/严禁/不准/… is addressed to the agency
  or to third parties in the applicant's favour: either the subject before it is an
  agency (行政机关不得…), or the forbidden act is agency misconduct (收取, 指定, 要求,
  以…为由, 增设, 拖延, …). The look-alikes that impose a requirement are excluded:
  未经…批准不得 (a licence requirement), 外地企业不得 (a local restriction),
  申请人不得 (a duty of the applicant), 不得少于 (a condition).
* A clause *quotes the law* when it attributes its content to a law title: the title
  (with an optional article) is followed by 规定 and an opening quotation mark, or the
  clause opens with [根据]《law》[第X条]规定.
"""

from __future__ import annotations

import re
from bisect import bisect_left

from .numerals import MAX_NUMBER_TEXT, parse_number

# -- law titles ---------------------------------------------------------------------

_TITLE = re.compile(r"《([^《》\n]{1,80})》")
_NOTE = re.compile(r"[（(]([^（）()]*)[）)]\s*$")
_NOT_YET_LAW = ("草案", "征求意见")
_DECISION_MAKERS = ("国务院", "人民代表大会", "人大常委会")

_NUM = r"[零〇一二两三四五六七八九十百千\d０-９]+"
_ARTICLE = rf"第{_NUM}条(?:第{_NUM}款)?(?:第[（(]?{_NUM}[）)]?项)?"

# Sentence and clause boundaries: a basis introduced before a comma does not reach past it.
_STRETCH_END = "，,。；;！!？?\n"
_SENTENCE_END = "。；;！!？?\n"
_STRETCH_STOP = re.compile(f"[{_STRETCH_END}]")
_SENTENCE_STOP = re.compile(f"[{_SENTENCE_END}]")
_TRIGGER = re.compile(r"依据|根据|按照|依照|遵照|遵循")
# Words allowed between the trigger and the title once other titles are collapsed:
# 根据国务院《…》, 依照有关法律和《…》.
_TRIGGER_REACH = 12
# Patterns that open with a blank run are only ever matched where the run starts (after a
# title or a day count); `(?<!\s)` says so, so that a search of a long blank run does not
# rescan the rest of the run from every one of its characters.
_REFERS_AFTER = re.compile(rf"(?<!\s)\s*(?:{_ARTICLE}|(?:的|中的|所|有关|相关)?规定)")


def is_law_title(title: str) -> bool:
    """Whether a 《…》 title (without the marks) names a law, regulation or decision that may set a licence."""
    t = title.strip()
    note = _NOTE.search(t)
    while note:
        if any(word in note.group(1) for word in _NOT_YET_LAW):
            return False
        t = t[: note.start()].rstrip()
        note = _NOTE.search(t)
    if t.endswith(("办法", "方法")):
        return False
    if t.endswith(("法", "法典", "条例")):
        return True
    return t.endswith("决定") and any(maker in t for maker in _DECISION_MAKERS)


def _plain_words(alternation: str) -> list[str]:
    """The words of a pattern that is nothing but plain words in an alternation (a|b, (?:a|b))."""
    inner = alternation[3:-1] if alternation.startswith("(?:") and alternation.endswith(")") else alternation
    words = inner.split("|")
    if not all(words) or any(re.escape(word) != word for word in words):
        raise ValueError(f"not an alternation of plain words: {alternation}")
    return words


class _Text:
    """A text with its boundaries and words found once, to be looked up around many points.

    The helpers ask, for each title, ban or day count, about its comma stretch or sentence.
    Walking and searching that stretch anew for each point is quadratic in the length of a
    line that holds many points (B13 in docs/reliability.md); bisecting lists made in one
    pass is not.
    """

    def __init__(self, text: str):
        self.text = text
        self._bounds: dict[re.Pattern, list[int]] = {}
        self._words: dict[re.Pattern, tuple[list[int], list[int]]] = {}

    def _boundaries(self, stop: re.Pattern) -> list[int]:
        if stop not in self._bounds:
            self._bounds[stop] = [m.start() for m in stop.finditer(self.text)]
        return self._bounds[stop]

    def start_of(self, pos: int, stop: re.Pattern = _STRETCH_STOP) -> int:
        """Where the stretch (or, with _SENTENCE_STOP, the sentence) that `pos` ends starts."""
        bounds = self._boundaries(stop)
        i = bisect_left(bounds, pos)
        return bounds[i - 1] + 1 if i else 0

    def end_of(self, pos: int) -> int:
        """Where the stretch going on at `pos` ends: its first boundary at or after `pos`."""
        bounds = self._boundaries(_STRETCH_STOP)
        i = bisect_left(bounds, pos)
        return bounds[i] if i < len(bounds) else len(self.text)

    def first(self, words: re.Pattern, lo: int, hi: int) -> int | None:
        """Where `words.search(text[lo:hi])` finds a match, as an offset in the text, or None.

        For an alternation of plain words that is the first start of a word lying wholly in
        the window, so each start keeps its shortest word.
        """
        if words not in self._words:
            shortest: dict[int, int] = {}
            for word in _plain_words(words.pattern):
                i = self.text.find(word)
                while i >= 0:
                    end = i + len(word)
                    if end < shortest.get(i, end + 1):
                        shortest[i] = end
                    i = self.text.find(word, i + 1)
            starts = sorted(shortest)
            self._words[words] = (starts, [shortest[i] for i in starts])
        starts, ends = self._words[words]
        i = bisect_left(starts, lo)
        # A word that overruns hi starts within one word's length of it: a few steps at most.
        while i < len(starts) and starts[i] < hi:
            if ends[i] <= hi:
                return starts[i]
            i += 1
        return None

    def has(self, words: re.Pattern, lo: int, hi: int) -> bool:
        return self.first(words, lo, hi) is not None


class _Introduced:
    """Whether the title opening at `start` is introduced by a trigger word before it.

    Asked for the titles of one text in order: the stretch before a title is read on from
    where the previous title of the same stretch left it, not again from its start.
    """

    def __init__(self, text: str):
        self.text = _Text(text)
        self.stretch = -1  # start of the stretch being read
        self.read = 0  # read up to here: the stretch start or the 《 of a title asked about
        self.length = 0  # length of what was read, other titles in it counting as one word
        self.trigger: int | None = None  # end of its last trigger word, in the same measure

    def __call__(self, start: int) -> bool:
        text = self.text.text
        if start > 0 and text[start - 1] == "按":
            return True
        stretch = self.text.start_of(start)
        if stretch != self.stretch:
            self.stretch, self.read, self.length, self.trigger = stretch, stretch, 0, None
        # Read piece by piece, the stretch collapses as it would in one go: no title spans
        # the 《 a piece starts at, and no trigger word ends in 《 or in the 书 of a title.
        before = _TITLE.sub("书", text[self.read : start])  # other titles in a list count as one word
        for m in _TRIGGER.finditer(before):
            self.trigger = self.length + m.end()
        self.length += len(before)
        self.read = start
        return self.trigger is not None and self.length - self.trigger <= _TRIGGER_REACH


def basis_titles(text: str | None, laws_only: bool = True) -> list[str]:
    """The law titles the clause cites as its basis, in order, each once. With
    `laws_only=False`, every cited 《…》 title (a 《…办法》 may be a State Council
    regulation: its rank is looked up, not guessed from the last word)."""
    if not text or "《" not in text:
        return []
    out: list[str] = []
    seen: set[str] = set()
    introduced = _Introduced(text)
    for m in _TITLE.finditer(text):
        title = m.group(1).strip()
        if title in seen or (laws_only and not is_law_title(title)):
            continue
        if introduced(m.start()) or _REFERS_AFTER.match(text, m.end()):
            out.append(title)
            seen.add(title)
    return out


def cites_basis(text: str | None) -> bool:
    """The clause names a law or regulation as its basis (RULES.md: "cites a basis")."""
    return bool(basis_titles(text))


def basis(text: str | None) -> str | None:
    """The cited titles as one text for messages (《A》、《B》), or null when none."""
    titles = basis_titles(text)
    return "、".join(f"《{t}》" for t in titles) if titles else None


# -- prohibitions -------------------------------------------------------------------

_NEG = r"(?:一律不得|不得|禁止|严禁|不准|不允许|不许|杜绝)"
_AGENCY = r"(?:行政机关|审批机关|许可机关|实施机关|受理机关|发证机关|审批部门|主管部门|管理部门|有关部门|工作人员|窗口)"
# Acts that are agency misconduct when forbidden (the applicant is protected by the ban).
_MISCONDUCT = (
    r"(?:收取|收受|收费|乱收费|索取|索要|指定|要求|强制|强行|限制|附加|增设|增加|擅自|"
    r"设定|设置|另行|额外|变相|提高|拒绝|拖延|推诿|刁难|吃拿卡要|违规|违法|截留|挪用|"
    r"摊派|搭车|泄露|以[^，,。；;]{0,24}?为由|以[^，,。；;]{0,24}?作为)"
)
_NEG_RE = re.compile(_NEG)
_MISCONDUCT_AFTER = re.compile(rf"[^，,。；;！!？?\n]{{0,15}}?{_MISCONDUCT}")
_AGENCY_SUBJECT = re.compile(rf"{_AGENCY}[^，,。；;！!？?\n]{{0,8}}$")
# A ban that is really a requirement on the applicant (see the module docstring).
_REQUIREMENT_SENTENCE = re.compile(r"未经|未取得|未依法取得|无证|未按")
_REQUIREMENT_SUBJECTS = (
    r"(?:外地|外省|外市|外埠|市外|省外|境外|非本市|非本省|非本地|本市以外|本省以外|"
    r"申请人|申请单位|申请者|申请企业|被许可人|持证人|持证单位|当事人)"
)
_REQUIREMENT_SUBJECT = re.compile(rf"(?<![对向为给由与]){_REQUIREMENT_SUBJECTS}[^，,。；;！!？?\n]{{0,8}}$")
# Both subject patterns end at the ban and span at most a word and 8 characters, so only the
# end of a long stretch needs searching for them.
_SUBJECT_REACH = max(len(word) for word in _plain_words(_AGENCY) + _plain_words(_REQUIREMENT_SUBJECTS)) + 8


def _prohibition_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of each ban, from the negation word to the end of its comma stretch."""
    spans: list[tuple[int, int]] = []
    clause = _Text(text)
    for m in _NEG_RE.finditer(text):
        start = m.start()
        if spans and start < spans[-1][1]:
            continue
        near = max(clause.start_of(start), start - _SUBJECT_REACH)
        if not _AGENCY_SUBJECT.search(text, near, start):
            if not _MISCONDUCT_AFTER.match(text, m.end()):
                continue
            sentence = clause.start_of(start, _SENTENCE_STOP)
            if clause.has(_REQUIREMENT_SENTENCE, sentence, start):
                continue
            if _REQUIREMENT_SUBJECT.search(text, near, start):
                continue
        spans.append((start, clause.end_of(m.end())))
    return spans


def prohibits(text: str | None) -> bool:
    """The clause forbids the agency or third parties something (不得收取, 不得指定, 严禁…)."""
    return bool(text) and bool(_prohibition_spans(text))


def without_prohibitions(text: str | None) -> str | None:
    """The text with each prohibition blanked out (U+3000, same length, so offsets still hold).

    For rules that must not fire on a ban but must still see a violation in the same
    clause: 申请人须到指定机构检测，行政机关不得收取费用 keeps 到指定机构.
    """
    if not text:
        return text
    spans = _prohibition_spans(text)
    if not spans:
        return text
    parts, last = [], 0
    for start, end in spans:
        parts.append(text[last:start])
        parts.append("\u3000" * (end - start))
        last = end
    parts.append(text[last:])
    return "".join(parts)


# -- quoting the law ----------------------------------------------------------------

_OPEN_QUOTE = "“「『\"‘'"
# No two blank runs here can meet (as `\s*(?:X)?\s*` do when X is absent): the engine would
# try every split of a long run between them, quadratic in its length.
_QUOTE_AFTER = re.compile(
    rf"(?<!\s)\s*(?:{_ARTICLE}\s*)?(?:中|的)?(?:规定|明确|指出)\s*(?:[：:，,]\s*)?[{_OPEN_QUOTE}]"
)
# Blanks may follow 第X条 and end the markers. The blanks at the end are taken only where the
# markers did not already take them, which is the same language as a plain `\s*` there.
_CLAUSE_MARKER = re.compile(
    rf"^\s*(?:第{_NUM}条\s*|[一二三四五六七八九十]+、|[（(]{_NUM}[）)]|\d+[.．、]|[①-⑳])*(?:(?<!\s)\s*)?"
    rf"(?:(?:依据|根据|按照|依照)\s*)?《"
)
_OPENS_WITH_LAW = re.compile(rf"(?<!\s)\s*(?:{_ARTICLE}\s*)?(?:中|的)?规定")


def quotes_law(text: str | None) -> bool:
    """The clause restates the law: 《…法》第X条规定：“…” or opens with 《…法》第X条规定."""
    if not text or "《" not in text:
        return False
    opening = _CLAUSE_MARKER.match(text)
    opened = opening.end() - 1 if opening else -1  # the 《 of the title the clause opens with
    for m in _TITLE.finditer(text):
        if not is_law_title(m.group(1)):
            continue
        if _QUOTE_AFTER.match(text, m.end()):
            return True
        if m.start() == opened and _OPENS_WITH_LAW.match(text, m.end()):
            return True
    return False


# -- article numbers ----------------------------------------------------------------

_CN_DIGITS = dict(zip("零〇一二两三四五六七八九", (0, 0, 1, 2, 2, 3, 4, 5, 6, 7, 8, 9)))
_CN_UNITS = {"十": 10, "百": 100, "千": 1000}


def numeral_value(text: str | None) -> int | None:
    """12, １２, 十二, 一百零五, 一〇五 -> int; anything else -> None.

    Private to the document reader (article numbers); `engine.numerals.parse_number` is
    the general reader for the rules language.
    """
    if not text:
        return None
    s = text.strip()
    if not s or len(s) > MAX_NUMBER_TEXT:
        return None
    if s.isdecimal():
        return int(s)  # int() reads full-width digits too
    if all(ch in _CN_DIGITS for ch in s):  # digit by digit: 一〇五
        return int("".join(str(_CN_DIGITS[ch]) for ch in s))
    total = section = digit = 0
    for ch in s:
        if ch in _CN_DIGITS:
            digit = _CN_DIGITS[ch]
        elif ch in _CN_UNITS:
            section += (digit or 1) * _CN_UNITS[ch]
            digit = 0
        elif ch == "万":
            total += (section + digit) * 10000
            section = digit = 0
        else:
            return None
    return total + section + digit


# -- time limits (DOC-42-LIMIT, DOC-32-NOTICE-LIMIT) -----------------------------------
#
# A *time limit* is a number of days written in Arabic (25, ２５) or Chinese numerals
# (三十, 二十五) followed by [个]工作日, 日 or 天; 日 counts as a working day, as the Law
# itself does (第八十二条). 自然日 and 个月 are not read (not comparable with working days),
# nor is a date (5月20日) or an ordinal (第五日). A limit is read by what follows it up to
# the next comma, and by what precedes it in its comma stretch.

# A count starts where its run of numerals does (what follows a run is never a numeral, so a
# count found inside a run would be found at its start): without the lookbehind a search
# retries the rest of a long run of numerals from each of them. Its two blank runs are kept
# apart by 个 for the reason given at _QUOTE_AFTER.
_LIMIT_RE = re.compile(
    r"(?<![零〇一二两三四五六七八九十百千\d０-９])([零〇一二两三四五六七八九十百千\d０-９]+)\s*(?:个\s*)?(工作日|自然日|日|天)"
)
# After the limit: the decision itself (作出…决定, 办结, 审结 ...).
_DECIDES = re.compile(r"决定|办结|审结|办理完毕|审批完毕|完成审批|办理完成|审批完成|批复|答复")
# After the limit, before the decision word: some other act with its own limit.
_OTHER_ACT = re.compile(r"告知|通知|补正|送达|颁发|发放|公示|公告|听证|整改|开工|施行|延长|延期")
# Before the limit in its stretch: a named time limit (办理时限为, 审批期限：) ...
_LIMIT_NOUN = re.compile(r"时限|期限|办结时间|办理时间|审批时间|决定时间")
# ... unless it is the limit of something else: an extension (可以延长十日, at most ten
# by 第四十二条), the time 第四十五条 excludes, a publicity period, a validity.
_NOT_DECISION_BEFORE = re.compile(
    r"延长|延期|公示|公告|听证|招标|拍卖|检验|检测|检疫|鉴定|评审|整改|补正|告知|送达|颁发|有效|试行|开工"
)
# In the same sentence before the limit: handling by several agencies (第四十二条第二款).
# Right after the limit: it is the old limit being cut (由三十个工作日压缩至十五个工作日).
_SUPERSEDED = re.compile(r"(?<!\s)\s*(?:压缩|缩短|压减|减少|减至|降至|调整|调减|精简)")
_JOINT = re.compile(r"联合|集中办理|统一办理|并联|多个部门|两个以上部门|多部门")
_SUPPLEMENT = re.compile(r"补正|补齐|补全|补交|补充")
_NOTIFY = re.compile(r"告知|通知|告诉")


def _limits(text: str):
    """(days, clause, before, after, sentence) for each day count: the text indexed as a _Text,
    and as (start, end) in it, its comma stretch before it, the text after it up to the next
    comma, and its sentence before it."""
    clause = _Text(text)
    for m in _LIMIT_RE.finditer(text):
        if m.group(2) == "自然日":
            continue
        start = m.start()
        if start > 0 and text[start - 1] in "第月":
            continue  # 第五日, 5月20日
        days = parse_number(m.group(1))
        if days is None:
            continue
        before = (clause.start_of(start), start)
        after = (m.end(), clause.end_of(m.end()))
        sentence = (clause.start_of(start, _SENTENCE_STOP), start)
        yield days, clause, before, after, sentence


def _is_decision_limit(clause: _Text, before: tuple[int, int], after: tuple[int, int]) -> bool:
    if clause.has(_NOT_DECISION_BEFORE, *before) or _SUPERSEDED.match(clause.text, *after):
        return False
    decided = clause.first(_DECIDES, *after)
    if decided is not None and not clause.has(_OTHER_ACT, after[0], decided):
        return True
    return clause.has(_LIMIT_NOUN, *before) and not clause.has(_OTHER_ACT, *after)


def _decision_limits(text: str | None, joint: bool) -> int | None:
    if not text:
        return None
    found = [
        days
        for days, clause, before, after, sentence in _limits(text)
        if _is_decision_limit(clause, before, after) and clause.has(_JOINT, *sentence) == joint
    ]
    return max(found) if found else None


def decision_days(text: str | None) -> int | None:
    """The longest time limit the clause sets for deciding on an application (working days),
    outside joint handling: 三十个工作日内作出是否准予许可的决定 -> 30, 25个工作日内办结 -> 25,
    办理时限为二十日 -> 20; null when it sets none. An extension (可以延长十个工作日), a time
    to notify supplements or to deliver the licence, and the time of hearings, tests and
    expert review (第四十五条) are not decision limits."""
    return _decision_limits(text, joint=False)


def joint_decision_days(text: str | None) -> int | None:
    """As decision_days, for limits set for joint, concentrated or unified handling (联合办理,
    集中办理, 统一办理: forty-five days under 第四十二条第二款), named in the same sentence."""
    return _decision_limits(text, joint=True)


def notice_days(text: str | None) -> int | None:
    """The longest time the clause allows to tell an applicant what to supplement
    (十日内告知申请人补正 -> 10, 五个工作日内一次性告知…补正 -> 5), or null: a day count
    followed, before the next comma, by 告知/通知, in a sentence about 补正/补齐."""
    if not text:
        return None
    found = []
    for days, clause, _before, after, sentence in _limits(text):
        notify = clause.first(_NOTIFY, *after)
        if notify is None or clause.has(_DECIDES, after[0], notify):
            continue
        if clause.has(_SUPPLEMENT, *sentence) or clause.has(_SUPPLEMENT, *after):
            found.append(days)
    return max(found) if found else None


# -- fee waivers (DOC-58-FEE) ---------------------------------------------------------

_WAIVER = re.compile(
    r"免收|免予收取|免于收取|免征|免费|免除|不收费|不收取|不予收取|不再收取|一律不收|无需缴纳|无须缴纳|"
    r"不需缴纳|不需要缴纳|不用缴纳|无需支付|无须支付|取消"
)


def without_waivers(text: str | None) -> str | None:
    """The text with each fee waiver blanked out (免收工本费, 不收费, 无需缴纳…, 取消…收费),
    from the waiver word to the end of its comma stretch; U+3000, same length, like
    without_prohibitions, so the words a rule matches can still be highlighted."""
    if not text:
        return text
    parts, last = [], 0
    for m in _WAIVER.finditer(text):
        if m.start() < last:
            continue  # in a stretch already blanked to its end
        stop = _STRETCH_STOP.search(text, m.end())
        end = stop.start() if stop else len(text)
        parts.append(text[last : m.start()])
        parts.append("\u3000" * (end - m.start()))
        last = end
    if not parts:
        return text
    parts.append(text[last:])
    return "".join(parts)


FUNCTIONS: dict[str, tuple[object, tuple[str, ...], str]] = {
    # name: (callable, argument types, result type), in the rules language's type names
    "cites_basis": (cites_basis, ("text",), "bool"),
    "basis": (basis, ("text",), "text"),
    "prohibits": (prohibits, ("text",), "bool"),
    "without_prohibitions": (without_prohibitions, ("text",), "text"),
    "quotes_law": (quotes_law, ("text",), "bool"),
}

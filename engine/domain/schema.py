"""The built-in fact schemas: the canonical approval record, documents, clauses, findings.

Field names and aliases come from RULES.md (header names after GB/T 39046-2020 where it
has one). The checker validates rule files against these; the readers map input headers
onto them.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from .instruments import KINDS

TEXT, INT, DECIMAL, BOOL, DATE, LIST = "text", "int", "decimal", "bool", "date", "list"
FIELD_TYPES = (TEXT, INT, DECIMAL, BOOL, DATE)


@dataclass(frozen=True)
class FieldSpec:
    name: str
    type: str
    aliases: tuple[str, ...] = ()
    required: bool = False
    choices: tuple[str, ...] = ()  # closed vocabularies such as 受理 / 不予受理
    # other words an export writes for a value of this field: (word, value) pairs, e.g.
    # 办件类型 即办件 / 承诺件 for the bool `instant`, 日历日 for 自然日
    words: tuple[tuple[str, object], ...] = ()


def _f(name, type_, *aliases, required=False, choices=(), words=()):
    return FieldSpec(name, type_, tuple(aliases), required, tuple(choices), tuple(words))


# 《行政许可法》第四十五条: the waits whose time is not counted in the limit
SUSPENSION_KINDS = ("听证", "招标", "拍卖", "检验", "检测", "检疫", "鉴定", "专家评审")


RECORD_FIELDS: tuple[FieldSpec, ...] = (
    _f("case_id", TEXT, "办件编号", "申办编号", "业务流水号", required=True),
    _f("item_code", TEXT, "事项编码", "实施编码"),
    _f("item_name", TEXT, "事项名称"),
    _f("department", TEXT, "承办部门", "实施机关", "办理部门"),
    _f("window", TEXT, "受理窗口"),
    _f("received_at", DATE, "申请时间", "收件时间", "申报时间", required=True),
    _f("acceptance", TEXT, "受理结果", choices=("受理", "不予受理")),
    _f("accepted_at", DATE, "受理时间"),
    _f("supplement_notices", INT, "补正告知次数", "补正次数"),
    _f("first_notice_at", DATE, "首次补正告知时间", "补正告知时间"),
    _f("materials_complete", BOOL, "材料齐全"),
    _f("decision", TEXT, "办理结果", "审批结果", choices=("准予许可", "不予许可")),
    _f("decided_at", DATE, "办结时间", "决定时间"),
    _f("refusal_reason_given", BOOL, "说明理由"),
    _f("remedy_informed", BOOL, "告知救济权利", "告知复议诉讼权利"),
    _f("legal_limit_days", INT, "法定时限", "法定办结时限"),
    _f("promised_limit_days", INT, "承诺时限", "承诺办结时限"),
    _f("joint_handling", BOOL, "联合办理", "集中办理"),
    _f("extension_days", INT, "延长天数", "延期天数"),
    _f("extension_approved_by", TEXT, "延期批准人"),
    _f("extension_notified", BOOL, "延期告知"),
    _f("suspended_days", INT, "特别程序时间", "特别程序天数"),
    _f("suspension_notified", BOOL, "特别程序告知"),
    _f("fee_amount", DECIMAL, "收费金额"),
    _f("fee_basis", TEXT, "收费依据"),
    _f("designated_service", BOOL, "指定中介或商品", "要求指定服务"),
    _f("certificate_issued_at", DATE, "送达时间", "发证时间"),
    _f("published", BOOL, "结果公开"),
    _f("hearing_required", BOOL, "应当听证"),
    _f("hearing_informed", BOOL, "告知听证权利"),
    _f("first_contact", TEXT, "首问责任人"),
    _f("handler", TEXT, "经办人", "A岗"),
    _f("handler_absent", BOOL, "A岗缺岗"),
    _f("backup_handler", TEXT, "B岗", "替岗人"),
    _f("transfers", INT, "转办次数"),
    _f("loss", TEXT, "造成损失", choices=("无", "一般", "重大")),
    # v2 (RULES.md section 1, "Changes in v2"): the fields the e-supervision checks need
    _f("suspension_kind", TEXT, "特别程序种类", "特别程序类型"),
    _f("legal_limit_unit", TEXT, "法定办结时限单位", "法定时限单位", choices=("工作日", "自然日"),
       words=(("日历日", "自然日"), ("个工作日", "工作日"))),
    _f("refusal_ground", TEXT, "不予受理原因", "不受理原因"),
    _f("handling_form", TEXT, "办理形式"),
    _f("instant", BOOL, "即办件", "办件类型", words=(("即办件", True), ("承诺件", False))),
    _f("voucher_issued", BOOL, "出具书面凭证", "出具受理凭证"),
    _f("published_at", DATE, "公开时间", "公示时间"),
    _f("hearing_requested_at", DATE, "听证申请时间"),
    _f("hearing_held_at", DATE, "听证时间", "举行听证时间"),
    _f("permit_expires_at", DATE, "有效期截止", "有效期至"),
)

DOCUMENT_FIELDS: tuple[FieldSpec, ...] = (
    _f("file", TEXT, required=True),
    _f("title", TEXT),
    _f("kind", TEXT, choices=KINDS),
    _f("text", TEXT),  # the whole document, for rules about what a document lacks
    _f("basis", TEXT),  # the preamble and 第一条 sentences that cite a basis for the whole document
    _f("issuer", TEXT),  # who issued it (front matter `issuer:`, the title's 某某局关于…, a 国发 文号)
)

CLAUSE_FIELDS: tuple[FieldSpec, ...] = (
    _f("file", TEXT, required=True),
    _f("text", TEXT, required=True),
    _f("line", INT, required=True),
    _f("article", TEXT),  # 第X条 as written, when the clause is inside one
    _f("article_no", INT),  # the article number as an integer
    _f("chapter", TEXT),
    _f("item", TEXT),  # the item path, e.g. "（一）/1."
    _f("kind", TEXT, choices=KINDS),  # the document's kind, copied
    _f("title", TEXT),  # the document's title, copied
    _f("doc_basis", TEXT),  # the document's `basis`, copied: it counts where it governs the clause
    _f("issuer", TEXT),  # the document's issuer, copied
)

# A finding is also a fact: these fields plus the fields of its subject.
FINDING_FIELDS: tuple[FieldSpec, ...] = (
    _f("rule", TEXT, required=True),
    _f("severity", TEXT, required=True, choices=("critical", "error", "warning", "info")),
    _f("tags", LIST),
)

SEVERITIES = ("critical", "error", "warning", "info")  # most severe first


@dataclass
class FactSchema:
    name: str
    fields: dict[str, FieldSpec] = field(default_factory=dict)
    builtin: bool = True

    @classmethod
    def of(cls, name, specs, builtin=True):
        return cls(name, {s.name: s for s in specs}, builtin)


BUILTIN_SCHEMAS: dict[str, FactSchema] = {
    "record": FactSchema.of("record", RECORD_FIELDS),
    "document": FactSchema.of("document", DOCUMENT_FIELDS),
    "clause": FactSchema.of("clause", CLAUSE_FIELDS),
}


def record_aliases() -> dict[str, str]:
    """Header text (canonical name or alias) -> canonical field name."""
    out: dict[str, str] = {}
    for spec in RECORD_FIELDS:
        out[spec.name] = spec.name
        for alias in spec.aliases:
            out[alias] = spec.name
    return out

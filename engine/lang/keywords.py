"""The keywords of the rule language and their Chinese aliases (DSL.md, "Chinese keywords")."""

# Chinese alias -> canonical English keyword (DSL.md, "Chinese keywords")
ZH_KEYWORDS = {
    "规则": "rule", "级别": "severity", "依据": "cites", "标签": "tags", "当": "when", "则": "then",
    "推出": "assert", "报告": "report", "示例": "examples", "违反": "violates", "通过": "passes",
    "结束": "end", "且": "and", "或": "or", "非": "not", "存在": "exists", "常量": "const",
    "事实": "fact", "汇总": "summary", "按": "by", "引入": "import", "规则包": "pack", "版本": "version",
    "严重": "critical", "错误": "error", "警告": "warning", "提示": "info", "截至": "as_of",
    "附带": "with",
}  # fmt: skip
EN_KEYWORDS = {en: zh for zh, en in ZH_KEYWORDS.items()}

"""The cli's own messages in Chinese and English.

The language is `--lang zh|en`, else `output.lang` in xuke.yaml, else `XUKE_LANG`, else
the locale (`LC_ALL`, `LC_MESSAGES`, `LANG`, the first one set: `zh...` gives Chinese,
anything else English). Only the cli's own words are translated (its messages, the
headings and labels of the console reports, of the Excel workbook and of `xuke explain`):
rule titles, messages and citations are printed as the rule author wrote them, and so are
diagnostics and skip reasons from the engine.

Lines that scripts and CI parse stay the same in both languages (`UNTRANSLATED`):
`N passed, N failed` from `xuke test` is English in Chinese too; `xuke check` keeps its
leading `ok:`; `FAIL` and `ok` start the per-rule lines of `xuke test` in both.
"""

from __future__ import annotations

import os
import string
from collections.abc import Mapping, Sequence

LANGS = ("zh", "en")
DEFAULT_LANG = "en"

# key -> {"en": ..., "zh": ...}; str.format fields. For every int field `n`, `{n_s}` is
# "s" unless n == 1 (English plurals; Chinese has none).
CATALOG: dict[str, dict[str, str]] = {
    # ---- xuke check ----
    "check.ok": {
        "en": "ok: {rules} rule{rules_s} in {files} file{files_s} ({ms} ms)",
        "zh": "ok: {files} 个文件，{rules} 条规则（{ms} ms）",
    },
    "check.errors": {"en": "{n} error{n_s}", "zh": "{n} 个错误"},
    # ---- xuke fmt ----
    "fmt.would_reformat": {"en": "{path}: would reformat", "zh": "{path}: 需要重新格式化"},
    "fmt.reformatted": {"en": "{path}: reformatted", "zh": "{path}: 已重新格式化"},
    "fmt.unchanged": {"en": "{n} file{n_s} already formatted", "zh": "{n} 个文件格式无需改动"},
    # ---- xuke test ----
    "test.rule_ok": {"en": "ok   {rule} ({n} example{n_s})", "zh": "ok   {rule}（{n} 个示例）"},
    "test.rule_fail": {
        "en": "FAIL {rule} {file}:{line}: {expect} example {detail}",
        "zh": "FAIL {rule} {file}:{line}: {expect}示例{detail}",
    },
    "test.expect.violates": {"en": "violates", "zh": "违反"},
    "test.expect.passes": {"en": "passes", "zh": "通过"},
    "test.did_not_fire": {"en": "did not fire", "zh": "未触发"},
    "test.fired": {"en": "fired: {message}", "zh": "触发了：{message}"},
    "test.not_exercised": {"en": "not exercised: {rule}", "zh": "没有示例覆盖：{rule}"},
    "test.case_ok": {"en": "ok   {file}:{line} {name}", "zh": "ok   {file}:{line} {name}"},
    "test.case_fail": {
        "en": "FAIL {file}:{line} {name}: {detail}",
        "zh": "FAIL {file}:{line} {name}: {detail}",
    },
    "test.totals": {"en": "{passed} passed, {failed} failed", "zh": "{passed} passed, {failed} failed"},
    # ---- audit / lint ----
    "audit.title": {"en": "xuke records audit", "zh": "xuke 办件审计"},
    "audit.rows": {
        "en": "read {read} rows = {evaluated} evaluated + {rejected} rejected",
        "zh": "读取 {read} 行 = 检查 {evaluated} 行 + 拒收 {rejected} 行",
    },
    "audit.mismatch": {"en": " (does not add up: {n} rows off)", "zh": "（核对不一致：相差 {n} 行）"},
    "audit.findings": {
        "en": "{n} finding{n_s} in {cases} case{cases_s} ({counts})",
        "zh": "问题 {n} 条，涉及办件 {cases} 件（{counts}）",
    },
    "audit.by_rule": {"en": "Findings by rule", "zh": "按规则"},
    "audit.by_department": {"en": "Findings by department", "zh": "按部门"},
    "audit.skipped": {"en": "Rules not run ({n})", "zh": "未运行的规则（{n} 条）"},
    "audit.unknown_columns": {
        "en": "Columns kept but read by no rule ({n}): check xuke.yaml aliases if one should map to a field",
        "zh": "未识别的列（{n} 个，已保留，无规则读取）：如应对应某字段，请在 xuke.yaml 的 aliases 中配置",
    },
    "lint.title": {
        "en": "xuke draft review: {files} file{files_s}, {n} finding{n_s} ({counts})",
        "zh": "xuke 文件审查：{files} 个文件，{n} 个问题（{counts}）",
    },
    "lint.file_findings": {"en": "{n} finding{n_s}", "zh": "{n} 个问题"},
    "lint.cites": {"en": "Basis: {cites}", "zh": "依据：{cites}"},
    "lint.files_read": {"en": "Files read: {n} ({kinds})", "zh": "读取文件 {n} 个（{kinds}）"},
    "lint.not_reviewed": {
        "en": "Not reviewed, kind unknown ({n}): {files} — give the kind with --kind or `kind:` front matter",
        "zh": "无法判断文件类型、未审核的文件 {n} 个：{files}——请用 --kind 或文件开头的 kind: 指定",
    },
    "report.none": {"en": "no findings", "zh": "未发现问题"},
    "col.rule": {"en": "rule", "zh": "规则"},
    "col.title": {"en": "title", "zh": "标题"},
    "col.count": {"en": "findings", "zh": "问题数"},
    "col.cites": {"en": "basis", "zh": "依据"},
    "col.department": {"en": "department", "zh": "部门"},
    "col.cases": {"en": "cases", "zh": "办件数"},
    "col.flagged": {"en": "flagged cases", "zh": "问题办件"},
    "col.case_id": {"en": "case", "zh": "办件编号"},
    "col.row": {"en": "row", "zh": "行"},
    "col.reason": {"en": "reason", "zh": "原因"},
    "col.severity": {"en": "severity", "zh": "级别"},
    "col.pack": {"en": "pack", "zh": "规则包"},
    "severity.critical": {"en": "critical", "zh": "严重"},
    "severity.error": {"en": "error", "zh": "错误"},
    "severity.warning": {"en": "warning", "zh": "警告"},
    "severity.info": {"en": "info", "zh": "提示"},
    # ---- the console audit report (engine/reports/text.py) ----
    "audit.balanced": {"en": " (adds up)", "zh": "（核对一致）"},
    "audit.by_department_ranked": {
        "en": "Findings by department (worst first)",
        "zh": "按部门（问题最重的在前）",
    },
    "audit.clean_departments": {
        "en": "{n} more department{n_s} without findings.",
        "zh": "另有 {n} 个部门未发现问题。",
    },
    "audit.worst_cases": {"en": "Worst cases (top {n})", "zh": "问题最重的办件（前 {n} 件）"},
    "report.no_findings": {"en": "No findings.", "zh": "未发现问题。"},
    "report.no_department": {"en": "(no department)", "zh": "（未注明部门）"},
    "col.worst": {"en": "worst", "zh": "最高级别"},
    "col.top_rules": {"en": "top rules", "zh": "主要规则"},
    "col.rules": {"en": "rules", "zh": "规则"},
    # ---- the console lint report ----
    "lint.no_file": {"en": "(no file)", "zh": "（未注明文件）"},
    "where.whole": {"en": "whole document", "zh": "全文"},
    "where.line": {"en": "line {n}", "zh": "第{n}行"},
    "where.paragraph": {"en": "paragraph {n}", "zh": "第{n}段"},
    # ---- xuke explain (engine/jobs/explain.py) ----
    "explain.at_row": {"en": "{file} row {n}", "zh": "{file} 第 {n} 行"},
    "explain.at_line": {"en": "{file} line {n}", "zh": "{file} 第 {n} 行"},
    "explain.type.record": {"en": "record", "zh": "办件记录"},
    "explain.type.clause": {"en": "clause", "zh": "条款"},
    "explain.type.document": {"en": "document", "zh": "文件"},
    "explain.from_finding": {"en": "from finding {rule} ({title})", "zh": "依据发现 {rule}（{title}）"},
    "explain.derived": {
        "en": "derived {fact}({values})  ← {rule} {title}",
        "zh": "推出 {fact}({values})  ← {rule} {title}",
    },
    # for cli.py's explain titles
    "explain.case_title": {
        "en": "case {case} ({file} row {row}, as of {as_of})",
        "zh": "办件 {case}（{file} 第 {row} 行，截至 {as_of}）",
    },
    "explain.rejected": {
        "en": "{file} row {row} rejected: {reason}",
        "zh": "{file} 第 {row} 行被拒收：{reason}",
    },
    # ---- the Excel workbook (engine/reports/xlsxout.py) ----
    "xlsx.title": {"en": "xuke report", "zh": "xuke 检查报告"},
    "xlsx.sheet.findings": {"en": "Findings", "zh": "问题清单"},
    "xlsx.sheet.departments": {"en": "By department", "zh": "按部门"},
    "xlsx.sheet.rules": {"en": "By rule", "zh": "按规则"},
    "xlsx.sheet.summary": {"en": "Summary", "zh": "汇总"},
    "xlsx.sheet.overview": {"en": "Overview", "zh": "概览"},
    "xlsx.sheet.heatmap": {"en": "Heat map", "zh": "热力图"},
    "xlsx.sheet.resolved": {"en": "Resolved", "zh": "已整改"},
    "xlsx.block.unit": {"en": "unit", "zh": "审计单位"},
    "xlsx.block.as_of": {"en": "audit date", "zh": "审计基准日"},
    "xlsx.block.inputs": {"en": "input", "zh": "输入文件"},
    "xlsx.block.packs": {"en": "rule packs", "zh": "规则包版本"},
    "xlsx.block.history": {"en": "since the last run", "zh": "与上次相比"},
    "xlsx.chart.departments": {"en": "Overdue and on-time rate by department", "zh": "各部门超期率与按期率"},
    "xlsx.chart.rules": {"en": "Findings by rule", "zh": "各规则问题数"},
    "xlsx.chart.months": {"en": "Findings by month received", "zh": "各月份问题数（按收件月份）"},
    "col.overdue_cases": {"en": "overdue cases", "zh": "超期办件"},
    "col.overdue_rate": {"en": "overdue rate", "zh": "超期率"},
    "col.on_time_rate": {"en": "on-time rate", "zh": "按期率"},
    "col.grade": {"en": "grade", "zh": "等级"},
    "xlsx.style.header": {"en": "xuke header", "zh": "xuke 表头"},
    "xlsx.style.wrap": {"en": "xuke wrap", "zh": "xuke 换行"},
    "xlsx.style.top": {"en": "xuke top", "zh": "xuke 顶端"},
    "xlsx.style.percent": {"en": "xuke percent", "zh": "xuke 百分比"},
    "col.message": {"en": "message", "zh": "说明"},
    "col.file": {"en": "file", "zh": "文件"},
    "col.columns": {"en": "columns", "zh": "列"},
    "col.position": {"en": "line", "zh": "行号"},
    "col.article": {"en": "article", "zh": "条款"},
    "col.fingerprint": {"en": "fingerprint", "zh": "指纹"},
    "col.flagged_cases": {"en": "flagged cases", "zh": "问题办件数"},
    "col.flagged_rate": {"en": "flagged rate", "zh": "问题办件率"},
    "col.cases_involved": {"en": "cases involved", "zh": "涉及办件数"},
    "col.skip_reason": {"en": "not run because", "zh": "未运行原因"},
    "col.item": {"en": "item", "zh": "项目"},
    "col.value": {"en": "value", "zh": "值"},
    "xlsx.total": {"en": "total", "zh": "合计"},
    "xlsx.rows_read": {"en": "rows read", "zh": "读取行数"},
    "xlsx.rows_evaluated": {"en": "rows evaluated", "zh": "检查行数"},
    "xlsx.rows_rejected": {"en": "rows rejected", "zh": "拒收行数"},
    "xlsx.reconciliation": {"en": "reconciliation", "zh": "核对"},
    "xlsx.balanced": {"en": "adds up (read = evaluated + rejected)", "zh": "一致（读取 = 检查 + 拒收）"},
    "xlsx.unbalanced": {
        "en": "does not add up: read {read} ≠ evaluated {evaluated} + rejected {rejected}",
        "zh": "不一致：读取 {read} ≠ 检查 {evaluated} + 拒收 {rejected}",
    },
    "xlsx.count.critical": {"en": "critical findings", "zh": "严重（critical）"},
    "xlsx.count.error": {"en": "error findings", "zh": "错误（error）"},
    "xlsx.count.warning": {"en": "warning findings", "zh": "警告（warning）"},
    "xlsx.count.info": {"en": "info findings", "zh": "提示（info）"},
    "xlsx.skipped": {"en": "rules not run", "zh": "未运行的规则"},
    "xlsx.unknown_columns": {"en": "columns read by no rule (file)", "zh": "未识别的列（文件）"},
    "xlsx.none": {"en": "(none)", "zh": "（无）"},
    # ---- findings' data (`report ... with (...)`): labels of the standard packs' keys ----
    "audit.data_table": {"en": "{title} (rule {rule})", "zh": "{title}（规则 {rule}）"},
    "col.figures": {"en": "figures", "zh": "指标"},
    "data.cases": {"en": "cases", "zh": "办件数"},
    "data.decided": {"en": "decided", "zh": "已办结"},
    "data.on_time": {"en": "on time", "zh": "按时办结"},
    "data.on_time_rate": {"en": "on time (%)", "zh": "按时办结率（%）"},
    "data.early": {"en": "early", "zh": "提前办结"},
    "data.early_rate": {"en": "early (%)", "zh": "提前办结率（%）"},
    "data.overdue": {"en": "overdue", "zh": "超期办结"},
    "data.open_overdue": {"en": "open overdue", "zh": "超期未办结"},
    "data.findings": {"en": "findings", "zh": "问题数"},
    "data.findings_per_100": {"en": "per 100 cases", "zh": "每百件问题"},
    "data.prohibited": {"en": "four prohibitions", "zh": "“四个不准”问题"},
    "data.grade": {"en": "grade", "zh": "等级"},
    # ---- configuration and baseline ----
    "init.wrote": {"en": "wrote {path}", "zh": "已生成 {path}"},
    "config.using": {"en": "using {path}", "zh": "使用配置 {path}"},
    "baseline.wrote": {
        "en": "baseline: recorded {n} finding{n_s} in {path}",
        "zh": "基线：已在 {path} 记录 {n} 个问题",
    },
    "baseline.hidden": {
        "en": "baseline: {n} known finding{n_s} hidden ({path})",
        "zh": "基线：已隐藏 {n} 个已知问题（{path}）",
    },
    # ---- history (audits over time) ----
    "help.history": {"en": "list recorded audit runs, or a department's trend", "zh": "列出已记录的审计批次，或某部门的趋势"},
    "usage.history": {
        "en": "usage: xuke history list | xuke history trend DEPARTMENT  (--history DB)",
        "zh": "用法：xuke history list | xuke history trend 部门  (--history DB)",
    },
    "history.no_runs": {"en": "{db}: no runs recorded yet", "zh": "{db}：尚无审计记录"},
    "history.runs_title": {"en": "Audit runs in {db}", "zh": "审计批次（{db}）"},
    "history.trend_title": {"en": "{department}: run by run ({series})", "zh": "{department}：历次审计（{series}）"},
    "history.no_department": {
        "en": "no run of series {series!r} has department {department!r}",
        "zh": "系列 {series!r} 的审计中没有部门 {department!r}",
    },
    "history.did_you_mean": {"en": "did you mean {name!r}?", "zh": "是否是 {name!r}？"},
    "history.col.run": {"en": "run", "zh": "批次"},
    "history.col.series": {"en": "series", "zh": "系列"},
    "history.col.as_of": {"en": "audit date", "zh": "审计基准日"},
    "history.col.recorded_at": {"en": "recorded (UTC)", "zh": "记录时间（UTC）"},
    "history.col.rows": {"en": "rows", "zh": "行数"},
    "history.col.findings": {"en": "findings", "zh": "问题数"},
    "history.col.new": {"en": "new", "zh": "新发现"},
    "history.col.open": {"en": "still open", "zh": "仍未整改"},
    "history.col.escalated": {"en": "escalated", "zh": "红牌"},
    "history.col.resolved": {"en": "resolved", "zh": "已整改"},
    "history.col.out_of_scope": {"en": "out of scope", "zh": "不在本期范围"},
    "history.col.packs": {"en": "packs", "zh": "规则包"},
    "history.col.cases": {"en": "cases", "zh": "办件数"},
    "history.col.flagged_cases": {"en": "flagged cases", "zh": "问题办件数"},
    "history.col.flagged_rate": {"en": "flagged rate", "zh": "问题办件率"},
    "history.col.overdue_cases": {"en": "overdue cases", "zh": "超期办件数"},
    "history.col.overdue_rate": {"en": "overdue rate", "zh": "超期率"},
    "history.col.grade": {"en": "grade", "zh": "等级"},
    "history.status.new": {"en": "new", "zh": "新发现"},
    "history.status.open": {"en": "still open", "zh": "督办"},
    "history.status.escalated": {"en": "escalated", "zh": "红牌"},
    "history.status.resolved": {"en": "resolved", "zh": "已整改"},
    "history.status.out_of_scope": {"en": "out of scope", "zh": "不在本期范围"},
    "history.since": {"en": "open since run {run} ({date}), {n} run{n_s}", "zh": "自第 {run} 批（{date}）起未整改，已 {n} 批"},
    "history.summary": {
        "en": "Since run {previous} ({date}): {new} new, {open} still open, {escalated} escalated, {resolved} resolved, {out} out of scope",
        "zh": "与第 {previous} 批（{date}）相比：新发现 {new}，仍未整改 {open}，红牌 {escalated}，已整改 {resolved}，不在本期范围 {out}",
    },
    "history.first": {"en": "Run {run}: the first of series {series!r}; every finding is new", "zh": "第 {run} 批：系列 {series!r} 的首次审计，所有问题均为新发现"},
    "history.resolved_title": {"en": "Resolved since the previous run ({n})", "zh": "上次以来已整改（{n} 条）"},
    "html.summary": {"en": "Summary", "zh": "概况"},
    "html.charts": {"en": "Charts", "zh": "图表"},
    "html.departments": {"en": "Departments and grades", "zh": "各部门情况与等级"},
    "html.findings": {"en": "Findings", "zh": "问题清单"},
    "html.search": {"en": "search rule, case, message…", "zh": "搜索规则、办件、说明…"},
    "html.all": {"en": "all", "zh": "全部"},
    "html.shown": {"en": "{n} shown", "zh": "显示 {n} 条"},
    "html.why": {"en": "Derived from:", "zh": "推导过程："},
    "html.capped": {
        "en": "{shown} of {total} findings are listed here (the most severe first); the workbook, JSON and CSV reports have them all.",
        "zh": "此处列出 {total} 条中的 {shown} 条（按严重程度优先）；完整清单见 Excel、JSON 或 CSV 报告。",
    },
    "history.by_month": {"en": "Findings by month received", "zh": "按收件月份"},
    "col.month": {"en": "month", "zh": "月份"},
    "col.received_at": {"en": "received", "zh": "收件日期"},
    "col.accepted_at": {"en": "accepted", "zh": "受理日期"},
    "col.decided_at": {"en": "decided", "zh": "办结日期"},
    "col.status": {"en": "status", "zh": "整改状态"},
    "col.since": {"en": "open since", "zh": "首次发现"},
    "col.runs": {"en": "runs", "zh": "连续批次"},
    # ---- errors and usage ----
    "cli.error": {"en": "xuke: error: {message}", "zh": "xuke: 错误：{message}"},
    "cli.interrupted": {"en": "xuke: interrupted", "zh": "xuke: 已中断"},
    "cli.terminated": {"en": "xuke: terminated", "zh": "xuke: 已终止"},
    "usage.rules": {"en": "usage: xuke rules list [PATH...]", "zh": "用法：xuke rules list [PATH...]"},
    "usage.as_of": {
        "en": "--as-of: not a date: {value!r} (e.g. 2025-12-31, 2025/12/31, 2025年12月31日, 20251231)",
        "zh": "--as-of：{value!r} 不是日期（例如 2025-12-31、2025/12/31、2025年12月31日、20251231）",
    },
    "usage.explain": {
        "en": "explain needs --case ID or --rule RULE",
        "zh": "explain 需要 --case ID 或 --rule RULE",
    },
    "usage.unknown_rule": {"en": "unknown rule {rule!r}", "zh": "未知的规则 {rule!r}"},
    "usage.case_not_found": {"en": "case {case!r} not found in {file}", "zh": "{file} 中没有办件 {case!r}"},
    "usage.annotate": {
        "en": "--annotate needs exactly one .docx draft among the files, found {n}",
        "zh": "--annotate 要求输入中恰好有一个 .docx 草稿，实际有 {n} 个",
    },
    # ---- --help texts ----
    "help.description": {
        "en": "xuke (许可): check administrative-licensing work against the Administrative Licensing Law",
        "zh": "xuke（许可）：对照《行政许可法》检查行政许可工作",
    },
    "help.check": {"en": "check rule files", "zh": "检查规则文件"},
    "help.fmt": {"en": "format rule files", "zh": "格式化规则文件"},
    "help.test": {"en": "run every rule's examples", "zh": "运行每条规则的示例"},
    "help.audit": {
        "en": "audit approval records (CSV, JSONL, XLSX)",
        "zh": "审计行政许可办件记录（CSV、JSONL、XLSX）",
    },
    "help.lint": {
        "en": "lint draft policy documents (.txt, .md, .docx)",
        "zh": "审查规范性文件草稿（.txt、.md、.docx）",
    },
    "help.rules": {"en": "list the loaded rules", "zh": "列出已加载的规则"},
    "help.init": {"en": "write a commented xuke.yaml", "zh": "生成带注释的 xuke.yaml"},
    "help.explain": {
        "en": "show why findings were reported: the derivation tree",
        "zh": "说明问题为何被报告：推导过程",
    },
    "help.init_path": {
        "en": "where to write it (default: xuke.yaml here)",
        "zh": "写到哪里（默认：当前目录下的 xuke.yaml）",
    },
    "help.config": {
        "en": "configuration file (default: xuke.yaml in this folder or a parent, up to the repository root)",
        "zh": "配置文件（默认：当前目录或上级目录中的 xuke.yaml，到仓库根目录为止）",
    },
    "help.no_config": {"en": "ignore every xuke.yaml", "zh": "不读取任何 xuke.yaml"},
    "help.lang": {
        "en": "language of xuke's own messages (default: from the locale)",
        "zh": "xuke 自身提示信息的语言（默认：按系统语言环境）",
    },
    "help.baseline": {
        "en": "hide the findings recorded in FILE (matched by fingerprint, not line)",
        "zh": "隐藏 FILE 中已记录的问题（按指纹匹配，与行号无关）",
    },
    "help.write_baseline": {
        "en": "record this run's findings in FILE (and hide them)",
        "zh": "把本次发现的问题记录到 FILE（并隐藏它们）",
    },
}

# Parsed by scripts and CI: the same text in both languages (the fixture-case lines of
# `xuke test` carry only names and details from the fixture files, nothing to translate).
UNTRANSLATED = frozenset({"test.totals", "test.case_ok", "test.case_fail"})

# argparse's own words (usage errors, help headings), for Chinese.
ARGPARSE_ZH: dict[str, str] = {
    "usage: ": "用法：",
    "positional arguments": "位置参数",
    "options": "选项",
    "optional arguments": "选项",
    "show this help message and exit": "显示帮助并退出",
    "%(prog)s: error: %(message)s\n": "%(prog)s: 错误：%(message)s\n",
    "the following arguments are required: %s": "缺少参数：%s",
    "unrecognized arguments: %s": "无法识别的参数：%s",
    "invalid choice: %(value)r (choose from %(choices)s)": "无效的选项 %(value)r（可选：%(choices)s）",
    "argument %(argument_name)s: %(message)s": "参数 %(argument_name)s：%(message)s",
    "expected one argument": "需要一个参数",
    "ambiguous option: %(option)s could match %(matches)s": "选项不明确：%(option)s 可以是 %(matches)s",
    "not allowed with argument %s": "不能与参数 %s 同时使用",
}

# Punctuation between the pieces of a report line (not words, so not in CATALOG, whose
# Chinese entries must hold Chinese): items of a list, and a label before its text.
PUNCTUATION: dict[str, dict[str, str]] = {
    "zh": {"list": "，", "colon": "："},
    "en": {"list": ", ", "colon": ": "},
}

_lang = DEFAULT_LANG


def detect_lang(env: Mapping[str, str] | None = None) -> str:
    """`XUKE_LANG` if set to zh or en, else the POSIX locale variables in their order of
    precedence (LC_ALL, LC_MESSAGES, LANG; the first one set and not empty decides):
    `zh...` is Chinese, anything else (C, POSIX, en_US.UTF-8, ...) English."""
    env = os.environ if env is None else env
    forced = (env.get("XUKE_LANG") or "").strip().lower()
    if forced in LANGS:
        return forced
    for var in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = env.get(var)
        if value:
            return "zh" if value.strip().lower().startswith("zh") else "en"
    return DEFAULT_LANG


def set_lang(lang: str | None) -> str:
    """Use `lang` (zh or en; None detects it from the environment). Returns the language set."""
    global _lang
    if lang is None:
        lang = detect_lang()
    if lang not in LANGS:
        from .errors import XukeError

        raise XukeError(f"--lang: unknown language {lang!r} (use zh or en)")
    _lang = lang
    return lang


def get_lang() -> str:
    return _lang


def _(key: str, lang: str | None = None, **kw) -> str:
    """The message `key` in the current language, formatted with `kw`."""
    entry = CATALOG.get(key)
    if entry is None:
        raise KeyError(f"no message {key!r} in the catalog")
    text = entry.get(lang or _lang) or entry[DEFAULT_LANG]
    for name, value in list(kw.items()):
        if isinstance(value, int) and not isinstance(value, bool):
            kw.setdefault(f"{name}_s", "" if value == 1 else "s")
    return text.format(**kw)


def severity_label(severity: str | None, lang: str | None = None) -> str:
    """严重/错误/警告/提示 or critical/error/warning/info; an unknown severity as it is."""
    if severity and f"severity.{severity}" in CATALOG:
        return _(f"severity.{severity}", lang)
    return severity or ""


def data_label(key: str, lang: str | None = None, prefix: str = "data") -> str:
    """The heading of a finding's data key (or, with prefix="col", of a group's key): the
    catalog's `data.KEY`, else the key as the rule wrote it (a city's own pack names its
    own columns)."""
    return _(f"{prefix}.{key}", lang) if f"{prefix}.{key}" in CATALOG else key


def punct(name: str, lang: str | None = None) -> str:
    """The `list` separator or the `colon` of the language (see PUNCTUATION)."""
    return PUNCTUATION[lang or _lang][name]


def fields(text: str) -> set[str]:
    """The names of the format fields in a message (for the completeness test)."""
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def argv_option(argv: Sequence[str], option: str) -> str | None:
    """The value of `option` (`--lang zh` or `--lang=zh`) in `argv`, before argparse runs:
    the language must be known before the parser's help texts are written."""
    value = None
    args = list(argv)
    for i, arg in enumerate(args):
        if arg == "--":
            break
        if arg == option and i + 1 < len(args):
            value = args[i + 1]
        elif arg.startswith(option + "="):
            value = arg[len(option) + 1 :]
    return value


def install_argparse(lang: str | None = None) -> None:
    """Make argparse speak the current language (its usage errors and help headings).
    argparse looks its words up through `gettext` at call time; English leaves them as they are."""
    import argparse

    lang = lang or _lang
    if lang == "zh":
        argparse._ = lambda s: ARGPARSE_ZH.get(s, s)  # type: ignore[attr-defined]
    else:
        import gettext

        argparse._ = gettext.gettext  # type: ignore[attr-defined]

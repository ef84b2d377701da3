"""`manpower law …`: check an application's facts, list the rules, print the rule-set version.

The rule book has no clock: ``check`` takes the date from the file or from ``--date``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from pathlib import Path
from typing import Any, TextIO

from manpower.law import parameters
from manpower.law.errors import LawError
from manpower.law.facts import facts_from_dict
from manpower.law.occupations import reserved_items
from manpower.law.rulebook import Decision, catalogue, evaluate, ruleset_version

WORDS = {
    "en": {"decision": "Decision", "on": "on", "version": "rule set", "fees": "Fees", "total": "Total",
           "owed": "Owed to the worker", "fix": "Fix", "basis": "Basis", "none": "no fees",
           "approve": "APPROVE", "reject": "REJECT", "refer": "REFER to an officer",
           "await": "AWAIT information from another authority",
           "passed": "passed", "failed": "failed", "unknown": "unknown"},
    "ar": {"decision": "القرار", "on": "بتاريخ", "version": "إصدار القواعد", "fees": "الرسوم", "total": "المجموع",
           "owed": "المستحق للعامل", "fix": "المعالجة", "basis": "السند", "none": "لا رسوم",
           "approve": "موافقة", "reject": "رفض", "refer": "إحالة إلى موظف مختص",
           "await": "بانتظار معلومات من جهة أخرى",
           "passed": "مستوفى", "failed": "غير مستوفى", "unknown": "غير معروف بعد"},
}
WORDS["en"]["refer_status"] = "refer"
WORDS["ar"]["refer_status"] = "إحالة"
MARK = {"passed": "✔", "failed": "✘", "refer": "➜", "unknown": "…"}


def main(argv: list[str] | None = None, out: TextIO | None = None) -> int:
    out = out or sys.stdout
    parser = argparse.ArgumentParser(prog="manpower law", description="The rule book of the Labour Law and permits.")
    commands = parser.add_subparsers(dest="command", required=True)
    check = commands.add_parser("check", help="decide the application in a facts file")
    check.add_argument("file", type=Path, help="JSON with application, date and facts (docs/law/facts.md)")
    check.add_argument("--date", type=_date, help="date of evaluation (YYYY-MM-DD); overrides the file's")
    check.add_argument("--lang", choices=("ar", "en"), default="en")
    check.add_argument("--json", action="store_true", help="print the full decision as JSON")
    rules = commands.add_parser("rules", help="the catalogue of rules")
    rules.add_argument("--json", action="store_true")
    rules.add_argument("--lang", choices=("ar", "en"), default="en")
    commands.add_parser("version", help="the rule-set version (content hash)")
    params = commands.add_parser("parameters", help="parameter values in force on a date")
    params.add_argument("--date", type=_date, required=True)
    params.add_argument("--json", action="store_true")
    occupations = commands.add_parser("occupations", help="the reserved occupations and their job titles")
    occupations.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)

    try:
        if args.command == "check":
            return _check(args, out)
        if args.command == "rules":
            return _rules(args, out)
        if args.command == "version":
            print(ruleset_version(), file=out)
            return 0
        if args.command == "parameters":
            return _parameters(args, out)
        return _occupations(args, out)
    except LawError as error:
        lang = getattr(args, "lang", "en")
        if getattr(args, "json", False):
            print(json.dumps({"error": error.to_dict()}, ensure_ascii=False, indent=2), file=out)
        else:
            print(error.message(lang), file=sys.stderr)
        return 2


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date (YYYY-MM-DD)") from None


def _check(args: argparse.Namespace, out: TextIO) -> int:
    try:
        document = json.loads(args.file.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as error:
        print(f"{args.file}: {error}", file=sys.stderr)
        return 1
    if not isinstance(document, dict) or "application" not in document or "facts" not in document:
        print(f"{args.file}: expected an object with application, date and facts (see docs/law/facts.md)",
              file=sys.stderr)
        return 1
    on = args.date
    if on is None:
        if "date" not in document:
            print("No date of evaluation: give --date or a \"date\" in the file.", file=sys.stderr)
            return 2
        on = _date(str(document["date"]))
    facts = facts_from_dict(str(document["application"]), document["facts"])
    decision = evaluate(str(document["application"]), facts, on)
    if args.json:
        print(json.dumps(decision.to_dict(), ensure_ascii=False, indent=2), file=out)
    else:
        print(explain(decision, args.lang), file=out)
    return 0


def explain(decision: Decision, lang: str = "en") -> str:
    """The decision as a person reads it: outcome, each check with its reason, fix and basis, the fees."""
    w = WORDS[lang]
    lines = [f"{w['decision']}: {w[decision.outcome]} — {decision.application_type} {w['on']} {decision.date} "
             f"({w['version']} {decision.ruleset_version})", ""]
    for check in decision.checks:
        status = w["refer_status"] if check.status == "refer" else w[check.status]
        lines.append(f"{MARK[check.status]} {status:<10} {check.id} — {check.title(lang)}")
        if check.status != "passed" or check.code:
            lines.append(f"      {check.message(lang)}")
            if check.fix(lang):
                lines.append(f"      {w['fix']}: {check.fix(lang)}")
            lines.append(f"      {w['basis']}: {check.citation_in(lang)}")
    lines.append("")
    lines.append(f"{w['fees']}:")
    if not decision.fees:
        lines.append(f"  {w['none']}")
    for line in decision.fees:
        lines.append(f"  {line.label(lang)}: {_money(line.amount, lang)}")
        lines.append(f"      {line.explanation(lang)}")
    lines.append(f"  {w['total']}: {_money(decision.total, lang)}")
    if decision.entitlements:
        lines.append("")
        lines.append(f"{w['owed']}:")
        for line in decision.entitlements:
            lines.append(f"  {line.label(lang)}: {_money(line.amount, lang)}")
            lines += [f"      {text}" for text in line.explanation(lang).splitlines()]
    return "\n".join(lines)


def _money(amount: Any, lang: str) -> str:
    return f"{amount} ريال" if lang == "ar" else f"RO {amount}"


def _rules(args: argparse.Namespace, out: TextIO) -> int:
    entries = catalogue()
    if args.json:
        print(json.dumps({"ruleset_version": ruleset_version(), "rules": entries}, ensure_ascii=False, indent=2),
              file=out)
        return 0
    lang = args.lang
    for entry in entries:
        until = entry["in_force"]["until"] or "…"
        print(f"{entry['id']}  [{', '.join(entry['applies_to'])}]  {entry['in_force']['from']} – {until}", file=out)
        print(f"    {entry['title'][lang]}", file=out)
        print(f"    {entry['citation'][lang]}", file=out)
        for code, spec in entry["messages"].items():
            if lang in spec:
                print(f"      {code}: {spec[lang]}", file=out)
    return 0


def _parameters(args: argparse.Namespace, out: TextIO) -> int:
    book = parameters.book()
    rows = []
    for parameter in book:
        if not parameter.in_force(args.date):
            continue
        value = parameter.at(args.date)
        rows.append({"parameter": parameter.name, "value": parameters.to_json(value.value), "unit": parameter.unit,
                     "from": value.start.isoformat(), "reference": value.reference,
                     "confidence": value.confidence, "note": parameter.note})
    if args.json:
        print(json.dumps(rows, ensure_ascii=False, indent=2), file=out)
    else:
        for row in rows:
            print(f"{row['parameter']} = {json.dumps(row['value'], ensure_ascii=False)} {row['unit']}"
                  f"  (from {row['from']}; {row['reference']})", file=out)
    return 0


def _occupations(args: argparse.Namespace, out: TextIO) -> int:
    rows: list[dict[str, Any]] = [
        {"item": item.item, "decision": item.decision, "since": item.since.isoformat(), "title_en": item.title_en,
         "title_ar": item.title_ar, "mapping": item.mapping, "esco_titles": list(item.esco_titles),
         "esco_uris": list(item.esco_uris)} for item in reserved_items()]
    if args.json:
        print(json.dumps(rows, ensure_ascii=False, indent=2), file=out)
    else:
        for row in rows:
            titles = ", ".join(row["esco_titles"]) or "NO JOB TITLE MAPS TO THIS ITEM"
            print(f"{row['item'] or '—':>4}  {row['since']}  {row['title_en']}  →  {titles}  [{row['mapping']}]",
                  file=out)
    return 0

"""Rule, Check, Decision, the evaluator and the rule-set version.

A rule is a small function ``fn(f, p)`` of the facts ``f`` and the law as of the day of evaluation ``p``
(``p.date`` is that day; ``p.fees.transfer`` a parameter) that returns a ``Check``. Fee rules return fee
lines instead. Messages and fixes live beside the rules in ``messages/<module>.yaml`` and are formatted only
when someone reads them, so that deciding stays cheap.
"""

from __future__ import annotations

import ast
import datetime as dt
import functools
import hashlib
import inspect
import json
import textwrap
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml

from manpower.law import parameters
from manpower.law.errors import LawError, UnknownApplicationType
from manpower.law.parameters import to_json

HERE = Path(__file__).resolve().parent

NEW_PERMIT = "new_permit"
RENEWAL = "renewal"
TRANSFER = "transfer"
CANCELLATION = "cancellation"
CONTRACT = "contract"
APPLICATION_TYPES = (NEW_PERMIT, RENEWAL, TRANSFER, CANCELLATION, CONTRACT)

PASSED, UNKNOWN, REFER, FAILED = "passed", "unknown", "refer", "failed"
STATUSES = (PASSED, FAILED, REFER, UNKNOWN)
_RANK = {PASSED: 0, UNKNOWN: 1, REFER: 2, FAILED: 3}
# Any failed check rejects; else any refer refers; else any unknown awaits; else approve.
OUTCOME_BY_RANK = ("approve", "await", "refer", "reject")
OUTCOMES = ("approve", "reject", "refer", "await")
LANGS = ("ar", "en")


# ---------------------------------------------------------------------------------------------- checks
class Check:
    """What a rule found: a status, a message code and the values the message is filled with."""

    __slots__ = ("code", "params", "rank", "status")

    def __init__(self, status: str, code: str | None, params: Mapping[str, Any] | None) -> None:
        self.status = status
        self.code = code
        self.params = params or {}
        self.rank = _RANK[status]

    @staticmethod
    def passed(code: str | None = None, **params: Any) -> Check:
        return Check(PASSED, code, params) if code else _PASSED

    @staticmethod
    def failed(code: str, **params: Any) -> Check:
        return Check(FAILED, code, params)

    @staticmethod
    def refer(code: str, **params: Any) -> Check:
        """An officer must weigh this; the rule book cannot decide it alone."""
        return Check(REFER, code, params)

    @staticmethod
    def unknown(code: str, **params: Any) -> Check:
        """A fact that another authority must supply is not yet known."""
        return Check(UNKNOWN, code, params)

    def __repr__(self) -> str:
        return f"Check({self.status!r}, {self.code!r}, {dict(self.params)!r})"


_PASSED = Check(PASSED, None, None)


class FeeLine:
    """One line of the invoice: code, amount in rials (3 places) and what it was computed from."""

    __slots__ = ("amount", "code", "params", "rule")

    def __init__(self, code: str, amount: Decimal, rule: Rule | None = None, **params: Any) -> None:
        self.code = code
        self.amount = amount
        self.params = params
        self.rule = rule

    @property
    def kind(self) -> str:
        return self.rule.kind if self.rule is not None else "fee"

    def _text(self, key: str, lang: str) -> str:
        assert self.rule is not None
        template = self.rule.messages()[self.code][key][lang]
        return render(template, self.params, lang)

    @property
    def label_en(self) -> str:
        return self._text("label", "en")

    @property
    def label_ar(self) -> str:
        return self._text("label", "ar")

    def label(self, lang: str = "en") -> str:
        return self._text("label", lang)

    def explanation(self, lang: str = "en") -> str:
        return self._text("explain", lang)

    def to_dict(self) -> dict[str, Any]:
        assert self.rule is not None
        return {"code": self.code, "rule": self.rule.id, "kind": self.rule.kind, "amount": str(self.amount),
                "label": {lang: self.label(lang) for lang in LANGS},
                "explanation": {lang: self.explanation(lang) for lang in LANGS},
                "citation": {"en": self.rule.cites, "ar": self.rule.cites_ar},
                "params": to_json(dict(self.params))}


# ----------------------------------------------------------------------------------------------- rules
@dataclass(eq=False)
class Rule:
    id: str
    kind: str  # "check" or "fee"
    applies_to: frozenset[str]
    cites: str
    cites_ar: str
    since: str | dt.date
    until: str | dt.date | None
    fn: Callable[[Any, Any], Any]
    module: str

    @functools.cached_property
    def parameters(self) -> frozenset[str]:
        """The parameters this rule reads (found in its code once every helper it calls is defined)."""
        return frozenset(parameters_read_by(self.fn))

    def messages(self) -> dict[str, Any]:
        messages: dict[str, Any] = _messages(self.module)[self.id]
        return messages

    def title(self, lang: str = "en") -> str:
        return str(self.messages()["title"][lang])

    def in_force(self, on: dt.date) -> bool:
        book = parameters.book()
        if on < book.instrument_date(self.since):
            return False
        return self.until is None or on < book.instrument_date(self.until)

    def dates(self) -> tuple[dt.date, dt.date | None]:
        book = parameters.book()
        return book.instrument_date(self.since), (book.instrument_date(self.until) if self.until else None)

    def describe(self) -> dict[str, Any]:
        """The catalogue entry the portal shows to the public."""
        start, end = self.dates()
        messages = self.messages()
        codes = {code: {k: v for k, v in spec.items()} for code, spec in messages.items()
                 if code not in ("title", "passed")}
        return {"id": self.id, "kind": self.kind, "applies_to": sorted(self.applies_to),
                "citation": {"en": self.cites, "ar": self.cites_ar},
                "in_force": {"from": start.isoformat(), "until": end.isoformat() if end else None},
                "title": messages["title"], "passed": messages.get("passed"), "messages": codes,
                "parameters": sorted(self.parameters)}


RULES: dict[str, Rule] = {}


def rule(id: str, *, applies_to: Iterable[str], cites: str, cites_ar: str,
         since: str | dt.date = "rulebook_start", until: str | dt.date | None = None,
         kind: str = "check") -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Declare a rule: its id, the application types it serves, its legal basis and when it is in force."""

    def register(fn: Callable[..., Any]) -> Callable[..., Any]:
        if id in RULES:
            raise ValueError(f"rule {id} declared twice")
        unknown = set(applies_to) - set(APPLICATION_TYPES)
        if unknown:
            raise ValueError(f"rule {id}: unknown application types {unknown}")
        module = fn.__module__.rsplit(".", 1)[-1]
        RULES[id] = Rule(id=id, kind=kind, applies_to=frozenset(applies_to), cites=cites, cites_ar=cites_ar,
                         since=since, until=until, fn=fn, module=module)
        fn.rule = RULES[id]  # type: ignore[attr-defined]
        return fn

    return register


def fee(id: str, **kwargs: Any) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Declare a fee rule: like a rule, but it returns fee lines (or nothing)."""
    return rule(id, kind="fee", **kwargs)


def entitlement(id: str, **kwargs: Any) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Declare what the employer owes the worker on this application (lines that are not invoiced)."""
    return rule(id, kind="entitlement", **kwargs)


def parameters_read_by(fn: Callable[..., Any], seen: set[Any] | None = None) -> set[str]:
    """The parameters a rule reads, found in its source as ``p.<group>.<name>`` (and in helpers it calls)."""
    seen = seen if seen is not None else set()
    if fn in seen:
        return set()
    seen.add(fn)
    try:
        tree = ast.parse(textwrap.dedent(inspect.getsource(fn)))
    except (OSError, TypeError):
        return set()
    names: set[str] = set()
    groups = {name.partition(".")[0] for name in parameters.book().parameters}
    aliases: dict[str, str] = {}  # b = p.benefits
    for node in ast.walk(tree):
        if (isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name)
                and isinstance(node.value, ast.Attribute) and isinstance(node.value.value, ast.Name)
                and node.value.value.id == "p" and node.value.attr in groups):
            aliases[node.targets[0].id] = node.value.attr
    for node in ast.walk(tree):
        if not isinstance(node, (ast.Attribute, ast.Call)):
            continue
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in aliases:
            names.add(f"{aliases[node.value.id]}.{node.attr}")
        elif (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Attribute)
                and isinstance(node.value.value, ast.Name) and node.value.value.id == "p"
                and node.value.attr in groups):
            names.add(f"{node.value.attr}.{node.attr}")
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            helper = getattr(fn, "__globals__", {}).get(node.func.id)
            if inspect.isfunction(helper) and helper.__module__.startswith("manpower.law"):
                names |= parameters_read_by(helper, seen)
    return names


# -------------------------------------------------------------------------------------------- messages
@functools.cache
def _messages(module: str) -> dict[str, Any]:
    path = HERE / "messages" / f"{module}.yaml"
    with path.open(encoding="utf-8") as handle:
        return yaml.safe_load(handle) or {}


def render(template: str, params: Mapping[str, Any], lang: str) -> str:
    """Fill a message with its values; a value given per language as ``name_en``/``name_ar`` is picked."""
    values: dict[str, str] = {}
    for key, value in params.items():
        values[key] = show(value, lang)
    suffix = f"_{lang}"
    for key in list(values):
        if key.endswith(suffix):
            values.setdefault(key[: -len(suffix)], values[key])
    return template.format_map(values)


def show(value: Any, lang: str) -> str:
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return ("، " if lang == "ar" else ", ").join(show(v, lang) for v in value)
    if value is None:
        return "—"
    return str(value)


# ------------------------------------------------------------------------------------------- decisions
class CheckResult:
    """A check as it stands in a decision: the rule's id and citation, status, code, values and words."""

    __slots__ = ("_stored", "check", "rule")

    def __init__(self, rule: Rule | None, check: Check, stored: dict[str, Any] | None = None) -> None:
        self.rule = rule
        self.check = check
        self._stored = stored

    @property
    def id(self) -> str:
        return self.rule.id if self.rule else str(self._stored["id"])  # type: ignore[index]

    @property
    def status(self) -> str:
        return self.check.status

    @property
    def code(self) -> str | None:
        return self.check.code

    @property
    def params(self) -> Mapping[str, Any]:
        return self.check.params

    @property
    def citation(self) -> str:
        return self.citation_in("en")

    def citation_in(self, lang: str) -> str:
        if self._stored is not None:
            return str(self._stored["citation"][lang])
        assert self.rule is not None
        return self.rule.cites_ar if lang == "ar" else self.rule.cites

    def title(self, lang: str = "en") -> str:
        if self._stored is not None:
            return str(self._stored["title"][lang])
        assert self.rule is not None
        return self.rule.title(lang)

    def message(self, lang: str = "en") -> str:
        if self._stored is not None:
            return str(self._stored["message"][lang])
        assert self.rule is not None
        messages = self.rule.messages()
        spec = messages[self.code] if self.code else messages["passed"]
        return render(spec[lang], self.params, lang)

    def fix(self, lang: str = "en") -> str:
        if self._stored is not None:
            return str(self._stored["fix"][lang])
        if not self.code:
            return ""
        assert self.rule is not None
        template = self.rule.messages()[self.code].get(f"fix_{lang}", "")
        return render(template, self.params, lang)

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "status": self.status, "code": self.code,
                "params": to_json(dict(self.params)),
                "citation": {lang: self.citation_in(lang) for lang in LANGS},
                "title": {lang: self.title(lang) for lang in LANGS},
                "message": {lang: self.message(lang) for lang in LANGS},
                "fix": {lang: self.fix(lang) for lang in LANGS}}

    def __repr__(self) -> str:
        return f"<{self.id}: {self.status} {self.code or ''}>"


class StoredFeeLine:
    """A fee line read back from a stored decision."""

    __slots__ = ("_stored", "amount", "code", "kind", "params")

    def __init__(self, stored: dict[str, Any]) -> None:
        self._stored = stored
        self.code = stored["code"]
        self.amount = Decimal(stored["amount"])
        self.params = stored.get("params", {})
        self.kind = stored.get("kind", "fee")

    @property
    def label_en(self) -> str:
        return str(self._stored["label"]["en"])

    @property
    def label_ar(self) -> str:
        return str(self._stored["label"]["ar"])

    def label(self, lang: str = "en") -> str:
        return str(self._stored["label"][lang])

    def explanation(self, lang: str = "en") -> str:
        return str(self._stored["explanation"][lang])

    def to_dict(self) -> dict[str, Any]:
        return dict(self._stored)


class Decision:
    """The outcome of evaluating one application on one day, with every check, fee and parameter used."""

    __slots__ = ("_checks", "_law", "_results", "_rules", "_stored", "application_type", "date",
                 "entitlements", "facts", "fees", "outcome", "ruleset_version")

    def __init__(self, application_type: str, on: dt.date, outcome: str, rules: tuple[Rule, ...],
                 results: list[Check | None], fees: list[Any], ruleset_version: str, facts: Any, law: Any,
                 entitlements: list[Any] | None = None) -> None:
        self.application_type = application_type
        self.date = on
        self.outcome = outcome
        self._rules = rules
        self._results = results
        self.fees = fees  # the invoice: fees and fines the employer pays the Ministry
        self.entitlements = entitlements or []  # what the employer owes the worker; not invoiced
        self.ruleset_version = ruleset_version
        self.facts = facts
        self._law = law
        self._checks: tuple[CheckResult, ...] | None = None
        self._stored: dict[str, Any] | None = None

    @property
    def checks(self) -> tuple[CheckResult, ...]:
        if self._checks is None:
            self._checks = tuple(CheckResult(r, c) for r, c in zip(self._rules, self._results, strict=True)
                                 if c is not None)
        return self._checks

    def with_status(self, status: str) -> list[CheckResult]:
        return [c for c in self.checks if c.status == status]

    @property
    def total(self) -> Decimal:
        """Total of the invoice; entitlements owed to the worker are not part of it."""
        return sum((line.amount for line in self.fees), Decimal("0.000"))

    @property
    def trace(self) -> list[dict[str, Any]]:
        """The parameters read by the rules applied, with the values in force and their references."""
        if self._stored is not None:
            return list(self._stored["trace"])
        names: set[str] = set()
        for r, c in zip(self._rules, self._results, strict=True):
            if c is not None:
                names |= r.parameters
        for line in (*self.fees, *self.entitlements):
            if line.rule is not None:
                names |= line.rule.parameters
        return self._law.trace(names)  # type: ignore[no-any-return]

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe and complete in both languages, to be stored immutably and shown later."""
        if self._stored is not None:
            return json.loads(json.dumps(self._stored))  # type: ignore[no-any-return]
        from manpower.law.facts import facts_to_dict

        return {"application_type": self.application_type, "date": self.date.isoformat(),
                "outcome": self.outcome, "ruleset_version": self.ruleset_version,
                "checks": [c.to_dict() for c in self.checks],
                "fees": [line.to_dict() for line in self.fees], "total": str(self.total),
                "entitlements": [line.to_dict() for line in self.entitlements],
                "trace": self.trace, "facts": facts_to_dict(self.facts)}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Decision:
        """A stored decision, readable as it was given, even after the rules have changed."""
        from manpower.law.facts import facts_from_dict

        stored = json.loads(json.dumps(data))
        try:  # facts stored under an older format stay readable as given, only replay needs them typed
            facts = facts_from_dict(stored["application_type"], stored["facts"])
        except (LawError, KeyError):
            facts = None
        checks = tuple(CheckResult(None, Check(c["status"], c["code"], c.get("params")), c) for c in stored["checks"])
        decision = cls(stored["application_type"], dt.date.fromisoformat(stored["date"]), stored["outcome"],
                       (), [], [StoredFeeLine(f) for f in stored["fees"]], stored["ruleset_version"],
                       facts, None, [StoredFeeLine(f) for f in stored.get("entitlements", [])])
        decision._stored = stored
        decision._checks = checks
        return decision

    def __repr__(self) -> str:
        return f"<Decision {self.application_type} {self.date} {self.outcome} {self.ruleset_version}>"


# ------------------------------------------------------------------------------------------ evaluation
def _load_rules() -> None:
    # The rule modules register themselves on import.
    from manpower.law import benefits, contracts, fees, permits  # noqa: F401


@functools.lru_cache(maxsize=8192)
def rules_in_force(application_type: str, on: dt.date) -> tuple[tuple[Rule, ...], tuple[Rule, ...]]:
    _load_rules()
    applicable = [r for r in RULES.values() if application_type in r.applies_to and r.in_force(on)]
    checks = tuple(r for r in applicable if r.kind == "check")
    fee_rules = tuple(r for r in applicable if r.kind in ("fee", "entitlement"))
    return checks, fee_rules


# Decisions are asked for today, or a day of a planned application: a century ahead is a typing mistake.
LAST_DECISION_DAY = dt.date(2199, 12, 31)


def evaluate(application_type: str, facts: Any, on: dt.date) -> Decision:
    """Decide an application on a day: every check in force, the fees if it is not rejected, the version."""
    from manpower.law.facts import FACTS_BY_TYPE

    expected = FACTS_BY_TYPE.get(application_type)
    if expected is None:
        raise UnknownApplicationType(application_type, APPLICATION_TYPES)
    if type(facts) is not expected:
        raise LawError("facts_mismatch", application_type=application_type, expected=expected.__name__,
                       en="Facts for {application_type} must be {expected}.",
                       ar="يجب أن تكون وقائع الطلب {application_type} من النوع {expected}.")
    book = parameters.book()
    if on < book.instruments["rulebook_start"].in_force:
        raise LawError("date_before_rulebook", on=on, start=book.instruments["rulebook_start"].in_force,
                       en="{on} is before the rule book starts ({start}); older law is not encoded.",
                       ar="التاريخ {on} سابق لبداية دليل القواعد ({start})؛ والقانون الأقدم غير مرمَّز.")
    if on > LAST_DECISION_DAY:
        raise LawError("date_beyond_horizon", on=on, last=LAST_DECISION_DAY,
                       en="{on} is too far ahead: the rule book decides cases up to {last}.",
                       ar="التاريخ {on} بعيد جدًا: يبتّ دليل القواعد في الحالات حتى {last}.")
    p = book.on(on)
    checks, fee_rules = rules_in_force(application_type, on)
    if not checks:
        raise LawError("no_rules_in_force", application_type=application_type, on=on,
                       en="The rule book has no rules for {application_type} in force on {on}.",
                       ar="لا توجد في دليل القواعد قواعد نافذة لطلب {application_type} في {on}.")
    results = [r.fn(facts, p) for r in checks]  # None: the rule does not concern this case
    worst = 0
    for check in results:
        if check is not None and check.rank > worst:
            worst = check.rank
    fees: list[FeeLine] = []
    entitlements: list[FeeLine] = []
    if worst < 3:  # a rejected application owes nothing
        for r in fee_rules:
            found = r.fn(facts, p)
            if found:
                for line in found:
                    line.rule = r
                (fees if r.kind == "fee" else entitlements).extend(found)
    return Decision(application_type, on, OUTCOME_BY_RANK[worst], checks, results, fees,
                    ruleset_version(), facts, p, entitlements)


def fees_due(application_type: str, facts: Any, on: dt.date) -> list[dict[str, Any]]:
    """The fee lines an application owes on a day, whatever its checks say.

    Used when an officer approves a case the rules referred or rejected: the fees are the law's, not the
    officer's, so they are computed by the same fee rules a clean approval would use.
    """
    if application_type not in APPLICATION_TYPES:
        raise UnknownApplicationType(application_type, APPLICATION_TYPES)
    p = parameters.book().on(on)
    _, fee_rules = rules_in_force(application_type, on)
    lines: list[dict[str, Any]] = []
    for r in fee_rules:
        if r.kind != "fee":
            continue
        for line in r.fn(facts, p) or ():
            line.rule = r
            lines.append(line.to_dict())
    return lines


@dataclass(frozen=True)
class Replay:
    original: Decision
    now: Decision

    @property
    def same(self) -> bool:
        """Same outcome, same checks with the same statuses and codes, same fees."""
        a, b = self.original.to_dict(), self.now.to_dict()
        return all(_essence(a)[k] == _essence(b)[k] for k in ("outcome", "total", "checks", "fees"))


def _essence(stored: Mapping[str, Any]) -> dict[str, Any]:
    """What a replay compares: the outcome, each check's status and code, and the amounts."""
    return {"outcome": stored["outcome"], "total": stored["total"],
            "checks": [(c["id"], c["status"], c["code"]) for c in stored["checks"]],
            "fees": [(f["code"], f["amount"]) for f in [*stored["fees"], *stored.get("entitlements", [])]]}


def replay(stored: Mapping[str, Any]) -> Replay:
    """Decide a stored decision again from its facts and date with the rules of today's rule set."""
    original = Decision.from_dict(stored)
    if original.facts is None:
        raise LawError("facts_unreadable", en="The stored facts can no longer be read; the decision can be shown "
                       "as given but not decided again.", ar="تعذرت قراءة الوقائع المحفوظة؛ يمكن عرض القرار كما صدر "
                       "دون إعادة البت فيه.")
    return Replay(original, evaluate(original.application_type, original.facts, original.date))


# --------------------------------------------------------------------------------------------- catalogue
def catalogue() -> list[dict[str, Any]]:
    """Every rule with its id, citation, dates in force and messages, for the public."""
    _load_rules()
    return [r.describe() for r in sorted(RULES.values(), key=lambda r: (r.kind, r.module, r.id))]


# ------------------------------------------------------------------------------------ rule-set version
RULE_MODULES = ("benefits.py", "contracts.py", "errors.py", "facts.py", "fees.py", "occupations.py",
                "omanisation.py", "permits.py", "rulebook.py", "dates.py", "parameters/__init__.py")


def version_of(sources: Mapping[str, str], documents: Mapping[str, Any]) -> str:
    """A content hash of rule code and data: comments and layout do not count, logic and values do."""
    digest = hashlib.sha256()
    for name in sorted(sources):
        digest.update(name.encode())
        digest.update(ast.dump(ast.parse(sources[name]), annotate_fields=False).encode())
    digest.update(json.dumps(to_json(documents), sort_keys=True, ensure_ascii=False, default=str).encode())
    return digest.hexdigest()[:16]


def rule_sources(folder: Path = HERE) -> dict[str, str]:
    return {name: (folder / name).read_text(encoding="utf-8") for name in RULE_MODULES
            if (folder / name).exists()}


def rule_documents(folder: Path = HERE) -> dict[str, Any]:
    documents: dict[str, Any] = {}
    for sub in ("parameters", "parameters/occupations", "messages"):
        for path in sorted((folder / sub).glob("*.yaml")):
            with path.open(encoding="utf-8") as handle:
                documents[f"{sub}/{path.name}"] = yaml.safe_load(handle)
    return documents


@functools.cache
def ruleset_version() -> str:
    """The version of the rule set in this package: a hash of its rule code, parameters and messages."""
    return version_of(rule_sources(), rule_documents())

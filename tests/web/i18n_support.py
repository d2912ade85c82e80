"""Reading the translatable strings out of the source, the way ``makemessages`` does, in
Python only (CI has no GNU gettext).

Templates go through Django's own ``templatize`` (what ``makemessages`` hands to xgettext),
and the calls it writes are read with Python's tokenizer; Python modules are read with
``ast``. The keywords are the ones ``makemessages`` passes to xgettext, plus xgettext's
default ``_``/``gettext``/``ngettext``; a translation function imported under any other name
would be invisible to ``makemessages``, so :func:`unknown_aliases` reports it.
"""

from __future__ import annotations

import ast
import io
import re
import tokenize
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import polib

WEB = Path(__file__).resolve().parents[2] / "src" / "concord" / "web"
TEMPLATES = WEB / "templates"
CATALOGUE = WEB / "locale" / "es" / "LC_MESSAGES" / "django.po"
COMPILED = CATALOGUE.with_suffix(".mo")

# keyword → (position of the context, of the singular, of the plural), 0-based; None: absent
KEYWORDS: dict[str, tuple[int | None, int, int | None]] = {
    "_": (None, 0, None),
    "gettext": (None, 0, None),
    "gettext_lazy": (None, 0, None),
    "gettext_noop": (None, 0, None),
    "ngettext": (None, 0, 1),
    "ngettext_lazy": (None, 0, 1),
    "pgettext": (0, 1, None),
    "pgettext_lazy": (0, 1, None),
    "npgettext": (0, 1, 2),
    "npgettext_lazy": (0, 1, 2),
}
TRANSLATION_MODULE = "django.utils.translation"
# Python that is not the interface: database migrations and the demo clinic's own content.
NOT_INTERFACE_DIRS = frozenset({"migrations", "demo", "__pycache__"})


@dataclass(frozen=True)
class Message:
    msgid: str
    plural: str | None
    context: str | None
    where: str  # the file, relative to src/concord/web

    @property
    def key(self) -> tuple[str | None, str]:
        return (self.context, self.msgid)


def _calls(tokens: list[tokenize.TokenInfo]) -> Iterator[tuple[str, list[str | None]]]:
    """Each ``keyword(args)`` in the token stream, with its string arguments (None for an
    argument that is not a string literal)."""
    for i, token in enumerate(tokens[:-1]):
        if token.type != tokenize.NAME or token.string not in KEYWORDS:
            continue
        if tokens[i + 1].string != "(":
            continue
        args: list[str | None] = []
        current: str | None = None
        literal = True
        depth = 0
        for inner in tokens[i + 2 :]:
            if inner.string in "([{" and inner.type == tokenize.OP:
                depth += 1
            if inner.string in ")]}" and inner.type == tokenize.OP:
                if depth == 0:
                    args.append(current if literal else None)
                    break
                depth -= 1
            if depth == 0 and inner.string == "," and inner.type == tokenize.OP:
                args.append(current if literal else None)
                current, literal = None, True
                continue
            if inner.type == tokenize.STRING and depth == 0:
                current = (current or "") + ast.literal_eval(inner.string)
            elif inner.type not in (tokenize.NL, tokenize.NEWLINE, tokenize.COMMENT):
                literal = False
        yield token.string, args


def _message(keyword: str, args: list[str | None], where: str) -> Message | None:
    context_at, singular_at, plural_at = KEYWORDS[keyword]
    wanted = [p for p in (context_at, singular_at, plural_at) if p is not None]
    if len(args) <= max(wanted) or any(args[p] is None for p in wanted):
        return None  # a variable, not a literal: nothing for the catalogue
    return Message(
        msgid=args[singular_at] or "",
        plural=args[plural_at] if plural_at is not None else None,
        context=args[context_at] if context_at is not None else None,
        where=where,
    )


def template_messages(path: Path) -> list[Message]:
    """The strings of one template, as ``makemessages`` finds them."""
    from django.utils.translation.template import templatize

    source = templatize(path.read_text(encoding="utf-8"), origin=str(path))
    tokens = list(tokenize.generate_tokens(io.StringIO(source).readline))
    where = str(path.relative_to(WEB))
    found = [_message(keyword, args, where) for keyword, args in _calls(tokens)]
    return [m for m in found if m is not None]


def python_messages(path: Path) -> list[Message]:
    """The strings of one Python module, as ``makemessages`` finds them."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    where = str(path.relative_to(WEB))
    in_fstrings = {
        id(inner)
        for node in ast.walk(tree)
        if isinstance(node, ast.JoinedStr)
        for inner in ast.walk(node)
    }
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call) or id(node) in in_fstrings:
            continue
        func = node.func
        name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
        if name not in KEYWORDS:
            continue
        args: list[str | None] = [
            a.value if isinstance(a, ast.Constant) and isinstance(a.value, str) else None
            for a in node.args
        ]
        message = _message(name, args, where)
        if message is not None:
            found.append(message)
    return found


def calls_in_fstrings(path: Path) -> list[str]:
    """Translation calls written inside an f-string: xgettext does not read f-strings, so
    their strings never reach the catalogue (translate first, then put the result in)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.JoinedStr):
            continue
        for inner in ast.walk(node):
            if isinstance(inner, ast.Call):
                func = inner.func
                name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
                if name in KEYWORDS:
                    found.append(f"{path.relative_to(WEB)}:{inner.lineno}: {name}() in an f-string")
    return found


def unknown_aliases(path: Path) -> list[str]:
    """Translation functions imported under a name ``makemessages`` does not look for."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    problems = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module == TRANSLATION_MODULE:
            for alias in node.names:
                used = alias.asname or alias.name
                if alias.name in KEYWORDS and used not in KEYWORDS:
                    problems.append(f"{path.relative_to(WEB)}: {alias.name} as {used}")
    return problems


def interface_templates() -> list[Path]:
    return sorted(TEMPLATES.rglob("*.html"))


def interface_modules() -> list[Path]:
    return sorted(p for p in WEB.rglob("*.py") if not NOT_INTERFACE_DIRS.intersection(p.parts))


def template_name(path: Path) -> str:
    return str(path.relative_to(TEMPLATES))


PLACEHOLDER = re.compile(r"%\(\w+\)[sdfir]|%[sdfir]|\{\w*\}")
TAG = re.compile(r"</?([a-zA-Z][a-zA-Z0-9]*)")


def placeholders(text: str) -> list[str]:
    """Named and positional placeholders (``%(name)s``, ``%s``, ``{name}``), sorted."""
    return sorted(PLACEHOLDER.findall(text.replace("%%", "")))


def tags(text: str) -> list[str]:
    """The HTML tags in a string, sorted (a translation keeps the same markup)."""
    return sorted(t.lower() for t in TAG.findall(text))


def catalogue() -> polib.POFile:
    return polib.pofile(str(CATALOGUE))

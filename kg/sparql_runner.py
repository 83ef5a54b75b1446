"""SPARQL over the stored graph plus the ontology, with named queries and safe bindings.

The engine is pyoxigraph: the store's ``graph.nt`` and the ontology load into an in-memory store
in a few tens of milliseconds and queries answer in milliseconds. rdflib (``engine="rdflib"``)
is the reference the tests compare it with; both get the same query text, the same predeclared
prefixes (as the engine's prefix mapping, never pasted into the text; a query's own ``PREFIX``
wins) and the same bindings (passed to the engine as bindings, never pasted into the text).

A binding must name a variable of the query, and for a SELECT query one that the query selects
(``SELECT *`` selects all): the engine substitutes the value for that result variable. Updates
(``INSERT``/``DELETE``/…) are refused: ``kg sparql`` only reads.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any, Iterable

from kg.errors import KgError
from kg.ontology import ID, ONTOLOGY_DIR, ontology_files

_ID = re.compile(r"^[a-z0-9][a-z0-9-]*(?:/[a-z0-9.][a-z0-9.-]*)+$")
_VARNAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_PREFIX_LINE = re.compile(r"^\s*@prefix\s+([A-Za-z][\w.-]*)?:\s*<([^>]*)>\s*\.", re.M)

_XSD = "http://www.w3.org/2001/XMLSchema#"
_INTEGER_TYPES = frozenset(_XSD + t for t in (
    "integer", "int", "long", "short", "byte", "nonNegativeInteger", "positiveInteger",
    "negativeInteger", "nonPositiveInteger", "unsignedLong", "unsignedInt", "unsignedShort",
    "unsignedByte"))
_FLOAT_TYPES = frozenset(_XSD + t for t in ("decimal", "double", "float"))
_UPDATE_WORDS = frozenset({"INSERT", "DELETE", "LOAD", "CLEAR", "DROP", "CREATE", "ADD", "MOVE",
                           "COPY", "WITH"})


# --------------------------------------------------------------------------------------------
#  Prefixes
# --------------------------------------------------------------------------------------------

@lru_cache(maxsize=4)
def predeclared_prefixes(directory: Path = ONTOLOGY_DIR) -> dict[str, str]:
    """The prefixes every query may use without declaring them: the ontology's plus ``id:``.

    >>> p = predeclared_prefixes()
    >>> p["ikg"], p["id"], p["skos"]
    ('https://w3id.org/innovation-kg/ontology#', 'https://w3id.org/innovation-kg/id/', \
'http://www.w3.org/2004/02/skos/core#')
    """
    prefixes: dict[str, str] = {}
    for path in ontology_files(directory):
        for prefix, iri in _PREFIX_LINE.findall(path.read_text(encoding="utf-8")):
            if prefix:
                prefixes.setdefault(prefix, iri)
    prefixes["id"] = ID
    return dict(sorted(prefixes.items()))


# --------------------------------------------------------------------------------------------
#  Named queries
# --------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Binding:
    """A binding a named query documents in its ``# Bind:`` header line."""

    name: str
    required: bool
    help: str


@dataclass(frozen=True)
class NamedQuery:
    """A query shipped in ``kg/sparql/NAME.rq``: its text, summary and documented bindings."""

    name: str
    text: str
    summary: str
    bindings: tuple[Binding, ...] = field(default=())

    def usage(self) -> str:
        """How to call it, e.g. ``--name barrier-mechanisms --bind barrier=…``."""
        parts = [f"--name {self.name}"]
        for b in self.bindings:
            flag = f"--bind {b.name}=…"
            parts.append(flag if b.required else f"[{flag}]")
        return " ".join(parts)


_BIND_LINE = re.compile(r"^#\s*Bind:\s*(.*)$")
_BIND_ITEM = re.compile(r"^([A-Za-z_]\w*)\s*\((required|optional)\)\s*(?:[-:\u2014]\s*)?(.*)$")


def _parse_named(name: str, text: str) -> NamedQuery:
    comments = [ln for ln in text.splitlines() if ln.startswith("#")]
    head = []  # the summary: the comment lines before the first "# Bind:" line
    for line in comments:
        if _BIND_LINE.match(line):
            break
        head.append(line.lstrip("#").strip())
    summary = " ".join(head)
    bindings = []
    for line in comments:
        match = _BIND_LINE.match(line)
        if not match or match.group(1).strip().lower() == "none":
            continue
        item = _BIND_ITEM.match(match.group(1).strip())
        if not item:
            raise KgError(f"named query {name}: bad '# Bind:' line {line!r}",
                          hint="write '# Bind: var (required|optional) - what to give'")
        bindings.append(Binding(item.group(1), item.group(2) == "required", item.group(3).strip()))
    return NamedQuery(name, text, summary, tuple(bindings))


def named_query_specs() -> dict[str, NamedQuery]:
    """The queries shipped in ``kg/sparql/*.rq`` by name, with their documented bindings."""
    folder = resources.files("kg.sparql")
    return {q.name: q for q in (
        _parse_named(p.name.removesuffix(".rq"), p.read_text(encoding="utf-8"))
        for p in sorted(folder.iterdir(), key=lambda p: p.name) if p.name.endswith(".rq"))}


def named_queries() -> dict[str, str]:
    """The queries shipped in ``kg/sparql/*.rq`` by name (their text)."""
    return {name: q.text for name, q in named_query_specs().items()}


def describe_named_queries() -> list[str]:
    """Lines for ``kg sparql --list``: each query, its summary and the bindings it takes."""
    lines = []
    for query in named_query_specs().values():
        lines.append(f"{query.name}: {query.summary}")
        if not query.bindings:
            lines.append("    takes no bindings")
        for b in query.bindings:
            lines.append(f"    --bind {b.name}=…  ({'required' if b.required else 'optional'}) {b.help}")
    return lines


def query_text(query_or_file: str | None, name: str | None) -> str:
    """The query from a name, a file path or the argument itself."""
    if name:
        queries = named_query_specs()
        if name not in queries:
            raise KgError(f"no named query {name!r}",
                          hint="available: " + ", ".join(queries) + "; see kg sparql --list")
        if query_or_file:
            raise KgError("give either a query or --name, not both")
        return queries[name].text
    if not query_or_file:
        raise KgError("give a SPARQL query, a .rq file, or --name NAME", hint="kg sparql --list")
    path = Path(query_or_file)
    if len(query_or_file) < 4096 and "\n" not in query_or_file and path.is_file():
        try:
            return path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise KgError(f"cannot read the query file: {exc}", where=str(path)) from None
    return query_or_file


# --------------------------------------------------------------------------------------------
#  Bindings
# --------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Term:
    """An RDF term given on the command line, independent of the engine."""

    kind: str  # "iri" or "literal"
    value: str
    datatype: str | None = None


def parse_binding(text: str) -> tuple[str, Term]:
    """``var=value``: ``<iri>`` an IRI, ``kind/slug`` an entity IRI, ``prefix:name`` an IRI with
    a predeclared prefix, an integer an ``xsd:integer``, anything else a string.

    >>> parse_binding("barrier=barrier/data-security-risk")[1].value
    'https://w3id.org/innovation-kg/id/barrier/data-security-risk'
    >>> parse_binding("?actor=government")
    ('actor', Term(kind='literal', value='government', datatype=None))
    >>> parse_binding("class=ikg:Barrier")[1].value
    'https://w3id.org/innovation-kg/ontology#Barrier'
    """
    if "=" not in text:
        raise KgError(f"binding {text!r} is not var=value", hint="e.g. --bind actor=enterprise")
    var, value = text.split("=", 1)
    var = var.strip()
    var = var[1:] if var[:1] in ("?", "$") else var
    if not _VARNAME.fullmatch(var):
        raise KgError(f"binding {text!r}: {var!r} is not a SPARQL variable name",
                      hint="write var=value, e.g. --bind actor=enterprise")
    if value.startswith("<") and value.endswith(">") and len(value) > 2:
        iri = value[1:-1]
        if re.search(r"[\s<>\"{}|^`\\]", iri):
            raise KgError(f"binding {var}: {value!r} is not a valid IRI")
        return var, Term("iri", iri)
    if _ID.match(value):
        return var, Term("iri", ID + value)
    prefixed = re.fullmatch(r"([A-Za-z][\w.-]*):([A-Za-z0-9_][\w.-]*)", value)
    if prefixed and prefixed.group(1) in predeclared_prefixes():
        return var, Term("iri", predeclared_prefixes()[prefixed.group(1)] + prefixed.group(2))
    if re.fullmatch(r"-?\d+", value):
        return var, Term("literal", str(int(value)), _XSD + "integer")
    return var, Term("literal", value)


def parse_bindings(texts: Iterable[str]) -> dict[str, Term]:
    """Several ``var=value`` texts; a variable bound twice is an error."""
    out: dict[str, Term] = {}
    for text in texts:
        var, term = parse_binding(text)
        if var in out:
            raise KgError(f"variable ?{var} is bound twice", hint="give each --bind variable once")
        out[var] = term
    return out


# --------------------------------------------------------------------------------------------
#  Reading the query text (comments, strings and IRIs set aside)
# --------------------------------------------------------------------------------------------

_TOKEN = re.compile(r'''
    (?P<comment>\#[^\r\n]*)
  | (?P<string>"""(?:[^"\\]|\\.|"(?!""))*"""|\'\'\'(?:[^'\\]|\\.|'(?!''))*\'\'\'
               |"(?:[^"\\\r\n]|\\.)*"|'(?:[^'\\\r\n]|\\.)*')
  | (?P<iri><[^<>"{}|^`\\\x00-\x20]*>)
''', re.X | re.S)
_VAR = re.compile(r"[?$]([A-Za-z0-9_\u00B7\u00C0-\uFFFF]+)")
_PROLOGUE = re.compile(r"\A\s*(?:(?:BASE\s*<>|PREFIX\s+[^\s:]*:\s*<>)\s*)*", re.I)


def _skeleton(query: str) -> str:
    """The query with comments removed and every string and IRI emptied."""
    def keep(match: re.Match[str]) -> str:
        if match.group("comment") is not None:
            return " "
        return '""' if match.group("string") is not None else "<>"
    return _TOKEN.sub(keep, query)


@dataclass(frozen=True)
class QueryShape:
    """What the text says about a query: its form, its variables and what it selects."""

    form: str  # SELECT, ASK, CONSTRUCT, DESCRIBE, an update keyword, or "" when unreadable
    variables: frozenset[str]
    selected: frozenset[str] | None  # None: SELECT * or not a SELECT query


def query_shape(query: str) -> QueryShape:
    """Form, variables (``?v``/``$v``) and, for SELECT, the selected variables.

    >>> s = query_shape('PREFIX a: <x:#> SELECT ?m (COUNT(?x) AS ?n) WHERE { ?b a:p ?m , "?no" }')
    >>> s.form, sorted(s.variables), sorted(s.selected)
    ('SELECT', ['b', 'm', 'n', 'x'], ['m', 'n'])
    """
    text = _skeleton(query)
    prologue = _PROLOGUE.match(text)  # always matches, possibly empty
    body = text[prologue.end():] if prologue else text
    word = re.match(r"[A-Za-z]+", body)
    form = word.group(0).upper() if word else ""
    variables = frozenset(_VAR.findall(text))
    selected: frozenset[str] | None = None
    if form == "SELECT":
        selected = _selected(body[len("SELECT"):])
    return QueryShape(form, variables, selected)


def _selected(clause: str) -> frozenset[str] | None:
    """The variables of a SELECT clause (text after ``SELECT``); None for ``SELECT *``."""
    out: set[str] = set()
    depth = 0
    after_as = False
    for match in re.finditer(r"[?$][^\s(){},;.]+|\(|\)|\{|\*|\bWHERE\b|\bFROM\b|\bAS\b|\S", clause,
                             re.I):
        token = match.group(0)
        upper = token.upper()
        if depth == 0 and (token == "{" or upper in ("WHERE", "FROM")):
            break
        if token == "(":
            depth += 1
        elif token == ")":
            depth -= 1
        elif token == "*" and depth == 0:
            return None
        elif upper == "AS":
            after_as = True
            continue
        elif token[0] in "?$" and (depth == 0 or after_as):
            out.add(token[1:])
        after_as = False
    return frozenset(out)


def check_bindings(query: str, bindings: dict[str, Any], name: str | None = None) -> QueryShape:
    """Refuse updates and bindings the query cannot take; a named query's required bindings.

    >>> check_bindings("SELECT ?m WHERE { ?b ?p ?m }", {"x": None})
    Traceback (most recent call last):
    kg.errors.KgError: --bind x: the query has no variable ?x (its variables: ?b, ?m, ?p)
    """
    shape = query_shape(query)
    if shape.form in _UPDATE_WORDS:
        raise KgError(f"{shape.form} is an update: kg sparql only reads the graph",
                      hint="use SELECT, ASK, CONSTRUCT or DESCRIBE")
    if re.search(r"\bSERVICE\b", _skeleton(query), re.I):
        raise KgError("SERVICE would query another endpoint over the network",
                      hint="kg sparql answers from the local graph only; drop the SERVICE clause")
    spec = named_query_specs().get(name) if name else None
    takes = ""
    if spec is not None:
        documented = ", ".join(b.name for b in spec.bindings) or "no bindings"
        takes = f"; named query {spec.name} takes: {documented}"
    listed = ", ".join(f"?{v}" for v in sorted(shape.variables)) or "none"
    for var in bindings:
        if var not in shape.variables:
            raise KgError(f"--bind {var}: the query has no variable ?{var} "
                          f"(its variables: {listed}{takes})")
        if shape.selected is not None and var not in shape.selected:
            chosen = ", ".join(f"?{v}" for v in sorted(shape.selected)) or "nothing"
            raise KgError(f"--bind {var}: ?{var} is in the query but not selected "
                          f"(it selects {chosen})",
                          hint=f"a bound variable must be a result column: add ?{var} to SELECT "
                               "or use SELECT *")
    if spec is not None:
        for b in spec.bindings:
            if b.required and b.name not in bindings:
                raise KgError(f"named query {spec.name} needs --bind {b.name}=…",
                              hint=f"{b.help}; kg sparql --list shows every query's bindings")
    return shape


# --------------------------------------------------------------------------------------------
#  Engines
# --------------------------------------------------------------------------------------------

_STORES: dict[tuple[str, str], tuple[tuple[Any, ...], Any]] = {}


def _files_key(ntriples: Path) -> tuple[Any, ...]:
    files = [ntriples, *ontology_files(ONTOLOGY_DIR)]
    try:
        return tuple((str(p.resolve()), p.stat().st_mtime_ns, p.stat().st_size) for p in files)
    except OSError as exc:
        raise KgError(f"cannot read the stored graph: {exc.strerror}", where=str(exc.filename),
                      hint="run kg build") from None


def _cached(engine: str, ntriples: Path, load: Any) -> Any:
    """The loaded graph of ``ntriples`` plus the ontology, reused while the files are unchanged."""
    key = _files_key(ntriples)
    slot = (engine, str(ntriples.resolve()))
    hit = _STORES.get(slot)
    if hit is not None and hit[0] == key:
        return hit[1]
    graph = load(ntriples)
    for old in [k for k in _STORES if k[0] == engine]:  # one graph per engine: the newest build
        del _STORES[old]
    _STORES[slot] = (key, graph)
    return graph


def clear_cache() -> None:
    """Forget loaded graphs (benchmarks use it to time a cold call)."""
    _STORES.clear()


def _oxigraph_store(ntriples: Path) -> Any:
    import pyoxigraph as ox

    store = ox.Store()
    store.bulk_load(path=str(ntriples), format=ox.RdfFormat.N_TRIPLES)
    for path in ontology_files(ONTOLOGY_DIR):
        store.bulk_load(path=str(path), format=ox.RdfFormat.TURTLE)
    return store


def _rdflib_graph(ntriples: Path) -> Any:
    from rdflib import Graph

    graph = Graph().parse(ntriples, format="nt")
    for path in ontology_files(ONTOLOGY_DIR):
        graph.parse(path, format="turtle")
    return graph


def _invalid(exc: BaseException) -> KgError:
    return KgError(f"invalid SPARQL: {' '.join(str(exc).split())[:200]}",
                   hint="check the query syntax")


def _run_oxigraph(ntriples: Any, query: str, bindings: dict[str, Term]) -> dict[str, Any]:
    import pyoxigraph as ox

    store = ntriples if not isinstance(ntriples, Path) else \
        _cached("oxigraph", ntriples, _oxigraph_store)  # an open store, or a file to load
    subs = {ox.Variable(var): (ox.NamedNode(t.value) if t.kind == "iri" else
                               ox.Literal(t.value, datatype=ox.NamedNode(t.datatype))
                               if t.datatype else ox.Literal(t.value))
            for var, t in bindings.items()}
    try:
        result = store.query(query, prefixes=predeclared_prefixes(), substitutions=subs or None)
    except SyntaxError as exc:
        raise _invalid(exc) from None
    except (RuntimeError, ValueError, OSError) as exc:
        raise KgError(f"the query failed: {' '.join(str(exc).split())[:200]}") from None
    try:
        if isinstance(result, ox.QueryBoolean):
            return {"kind": "ask", "boolean": bool(result)}
        if isinstance(result, ox.QueryTriples):
            triples = [(_ox_term(t.subject), _ox_term(t.predicate), _ox_term(t.object))
                       for t in result]
            return {"kind": "graph", "triples": triples}
        columns = [v.value for v in result.variables]
        rows = [{c: _plain(_ox_term(sol[i])) for i, c in enumerate(columns)} for sol in result]
    except (RuntimeError, ValueError, OSError) as exc:
        raise KgError(f"the query failed: {' '.join(str(exc).split())[:200]}") from None
    return {"kind": "select", "columns": columns, "rows": rows}


def _run_rdflib(ntriples: Path, query: str, bindings: dict[str, Term]) -> dict[str, Any]:
    from rdflib import Literal, URIRef
    from rdflib.plugins.sparql import prepareQuery

    graph = _cached("rdflib", ntriples, _rdflib_graph)
    try:
        prepared = prepareQuery(query, initNs=predeclared_prefixes())
    except Exception as exc:  # noqa: BLE001 - pyparsing raises its own exception types
        raise _invalid(exc) from None
    if prepared.algebra.name not in ("SelectQuery", "AskQuery", "ConstructQuery", "DescribeQuery"):
        raise KgError("only SELECT, ASK, CONSTRUCT and DESCRIBE queries are supported")
    init = {var: (URIRef(t.value) if t.kind == "iri" else
                  Literal(t.value, datatype=URIRef(t.datatype) if t.datatype else None))
            for var, t in bindings.items()}
    result = graph.query(prepared, initBindings=init)
    if result.type == "ASK":
        return {"kind": "ask", "boolean": bool(result.askAnswer)}
    if result.type in ("CONSTRUCT", "DESCRIBE"):
        triples = [tuple(_rdflib_term(x) for x in t) for t in result.graph]
        return {"kind": "graph", "triples": triples}
    columns = [str(v) for v in result.vars]
    rows = [{c: _plain(_rdflib_term(row[i])) for i, c in enumerate(columns)} for row in result]
    return {"kind": "select", "columns": columns, "rows": rows}


def run_sparql(ntriples: Any, query: str, bindings: dict[str, Any], *, name: str | None = None,
               engine: str = "oxigraph") -> dict[str, Any]:
    """``{"kind": "select", "columns", "rows"}``, ``{"kind": "ask", "boolean"}`` or
    ``{"kind": "graph", "turtle", "triples"}``; ``name`` is the named query the text came from.

    ``ntriples`` is the N-Triples file (loaded in memory, with the ontology), or, for the
    oxigraph engine, an open store holding both (:func:`kg.rdfstore.open_store`).

    ``bindings`` maps variable names to :class:`Term` (see :func:`parse_binding`).
    """
    terms = {var: _as_term(value) for var, value in bindings.items()}
    check_bindings(query, terms, name)
    if engine == "oxigraph":
        try:
            import pyoxigraph  # noqa: F401 - a dependency of the package
        except ImportError:
            raise KgError("the SPARQL engine pyoxigraph is not installed",
                          hint="pip install -e . installs it") from None
        result = _run_oxigraph(ntriples, query, terms)
    elif engine == "rdflib":
        result = _run_rdflib(ntriples, query, terms)
    else:
        raise KgError(f"unknown SPARQL engine {engine!r}", hint="oxigraph or rdflib")
    if result["kind"] == "graph":
        result["triples"] = sorted(set(result["triples"]))
        result["turtle"] = _turtle(result["triples"])
    return result


def empty_result_note(bindings: dict[str, Any], name: str | None = None) -> str:
    """What to tell a user whose bound query returned no rows."""
    given = ", ".join(f"{var}={_as_term(t).value.removeprefix(ID)!r}" for var, t in bindings.items())
    spec = named_query_specs().get(name) if name else None
    helps = "; ".join(f"{b.name}: {b.help}" for b in spec.bindings) if spec else ""
    return f"no rows for {given}" + (f" ({helps})" if helps else "")


# --------------------------------------------------------------------------------------------
#  Results: one conversion for both engines
# --------------------------------------------------------------------------------------------

# An engine-neutral term: ("iri", value, None, None), ("bnode", id, None, None) or
# ("literal", lexical form, datatype IRI or None, language or None).
Neutral = tuple[str, str, "str | None", "str | None"]


def _as_term(value: Any) -> Term:
    if isinstance(value, Term):
        return value
    kind = type(value).__name__
    if kind == "URIRef":  # an rdflib term from an older caller
        return Term("iri", str(value))
    if kind == "Literal":
        return Term("literal", str(value), str(value.datatype) if value.datatype else None)
    raise KgError(f"binding value {value!r} is not an RDF term")


def _ox_term(term: Any) -> Neutral | None:
    import pyoxigraph as ox

    if term is None:
        return None
    if isinstance(term, ox.NamedNode):
        return ("iri", term.value, None, None)
    if isinstance(term, ox.BlankNode):
        return ("bnode", term.value, None, None)
    if isinstance(term, ox.Literal):
        datatype = term.datatype.value
        if term.language:
            return ("literal", term.value, None, term.language.lower())
        return ("literal", term.value, None if datatype == _XSD + "string" else datatype, None)
    return ("literal", str(term), None, None)


def _rdflib_term(term: Any) -> Neutral | None:
    from rdflib import BNode, Literal, URIRef

    if term is None:
        return None
    if isinstance(term, URIRef):
        return ("iri", str(term), None, None)
    if isinstance(term, BNode):
        return ("bnode", str(term), None, None)
    if isinstance(term, Literal):
        if term.language:
            return ("literal", str(term), None, term.language.lower())
        datatype = str(term.datatype) if term.datatype else None
        return ("literal", str(term), None if datatype == _XSD + "string" else datatype, None)
    return ("literal", str(term), None, None)


def _plain(term: Neutral | None) -> Any:
    """A JSON-ready value: entity ids without the namespace, numbers as numbers, text as text.

    >>> _plain(("iri", "https://w3id.org/innovation-kg/id/barrier/x", None, None))
    'barrier/x'
    >>> _plain(("literal", "70.0", "http://www.w3.org/2001/XMLSchema#decimal", None))
    70.0
    """
    if term is None:
        return None
    kind, value, datatype, _lang = term
    if kind == "iri":
        return value.removeprefix(ID) if value.startswith(ID) else value
    if kind == "bnode":
        return f"_:{value}"
    try:
        if datatype in _INTEGER_TYPES:
            return int(value)
        if datatype in _FLOAT_TYPES:
            number = float(value)
            return number if math.isfinite(number) else value
    except ValueError:
        return value
    if datatype == _XSD + "boolean":
        return value in ("true", "1")
    return value


def _turtle(triples: list[tuple[Neutral, Neutral, Neutral]]) -> str:
    """Triples as Turtle with the predeclared prefixes (pyoxigraph's serialiser, sorted input)."""
    import pyoxigraph as ox

    def term(t: Neutral) -> Any:
        kind, value, datatype, lang = t
        if kind == "iri":
            return ox.NamedNode(value)
        if kind == "bnode":
            return ox.BlankNode(value)
        if lang:
            return ox.Literal(value, language=lang)
        return ox.Literal(value, datatype=ox.NamedNode(datatype)) if datatype else ox.Literal(value)

    data = [ox.Triple(term(s), term(p), term(o)) for s, p, o in triples]
    used = {t[1] for triple in triples for t in triple if t[0] == "iri"} | {
        t[2] for triple in triples for t in triple if t[2]}
    prefixes = {k: v for k, v in predeclared_prefixes().items()
                if k != "id" and any(iri.startswith(v) for iri in used)}
    return (ox.serialize(data, format=ox.RdfFormat.TURTLE, prefixes=prefixes) or b"").decode("utf-8")

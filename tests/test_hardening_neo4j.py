"""Issue 9, rows 5, 22 and 23: `kg neo4j` never shows a credential, a malformed --uri and a
value Neo4j cannot store are one clear line (exit 1), never the "unexpected …" catch-all.

No server is needed: the real driver is pointed at closed ports, or ``GraphDatabase.driver``
is replaced by the fake driver of ``test_neo4j_push``.
"""

from __future__ import annotations

import copy
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from typer.testing import CliRunner

from kg.build import build
from kg.cli import app
from kg.errors import KgError
from kg.neo4j.mapping import property_graph, schema_of
from kg.neo4j import push as neo4j_push

from .test_neo4j_push import FakeDriver, _closed_port, _env

SECRET = "Sw0rdf1sh-Zq"
#: The secret as it may be written into a URI, or echoed by a driver.
FORMS = (SECRET, quote(SECRET, safe=""), SECRET.lower(), SECRET.upper())


def assert_no_secret(result: Any, secret: str = SECRET) -> None:
    shown = result.stdout + result.stderr
    for form in {secret, quote(secret, safe="")}:
        assert form not in shown, shown


def assert_one_line(result: Any, *starts: str) -> str:
    """Exit 1, one ``error: …`` line on stderr and nothing on stdout; the line."""
    assert result.exit_code == 1, (result.exit_code, result.stdout, result.stderr)
    assert result.stdout == ""
    assert result.stderr.count("\n") == 1 and result.stderr.startswith("error: "), result.stderr
    assert "unexpected" not in result.stderr and "Traceback" not in result.stderr
    for start in starts:
        assert result.stderr.startswith(start), result.stderr
    return result.stderr


@pytest.fixture()
def fake_server(monkeypatch: pytest.MonkeyPatch) -> FakeDriver:
    """``GraphDatabase.driver`` replaced by one fake; ``.made`` counts the drivers made."""
    import neo4j

    driver = FakeDriver()
    driver.made = 0  # type: ignore[attr-defined]

    def make(uri: str, auth: tuple[str, str]) -> FakeDriver:
        driver.made += 1  # type: ignore[attr-defined]
        return driver

    monkeypatch.setattr(neo4j.GraphDatabase, "driver", make)
    return driver


# -- row 5: no credential in any message, whatever the URI's shape ------------------------------

def uri_shapes(port: int) -> dict[str, str]:
    s, enc = SECRET, quote(SECRET + "@/:", safe="")
    host = f"127.0.0.1:{port}"
    return {
        "colon missing (the issue)": f"bolt//neo4j:{s}@{host}",
        "one slash": f"bolt:/neo4j:{s}@{host}",
        "three slashes": f"bolt:///neo4j:{s}@{host}",
        "no slashes": f"neo4j:{s}@{host}",
        "well formed bolt": f"bolt://neo4j:{s}@{host}",
        "well formed neo4j+s": f"neo4j+s://neo4j:{s}@{host}",
        "upper-case scheme": f"BOLT://neo4j:{s}@{host}",
        "not a bolt scheme": f"http://neo4j:{s}@{host}",
        "IPv6": f"bolt://neo4j:{s}@[::1]:{port}",
        "IPv6 unclosed": f"bolt://neo4j:{s}@[::1",
        "percent-encoded": f"bolt://neo4j:{enc}@{host}",
        "@ and / in the password": f"bolt://neo4j:{s}@x/y@{host}",
        "space in the password": f"bolt://neo4j:my {s}@{host}",
        "user only": f"bolt://{s}@{host}",
        "no host": f"bolt://neo4j:{s}@",
        "bad port": f"bolt://neo4j:{s}@{host}x",
        "password query parameter": f"neo4j://{host}?password={s}",
        "auth query parameter": f"neo4j://{host}?region=eu&auth={s}",
        "query on bolt (the driver repeats the URI)": f"bolt://{host}?password={s}",
        "token and path": f"neo4j://{host}/db?token={s}#x",
    }


@pytest.mark.parametrize("shape", list(uri_shapes(1)))
@pytest.mark.parametrize("command", ["push", "wipe", "query"])
def test_no_uri_shape_shows_the_password(seed_store: Path, runner: CliRunner, shape: str,
                                         command: str) -> None:
    uri = uri_shapes(_closed_port())[shape]
    args = {"push": ["push", "--data-dir", str(seed_store)], "wipe": ["wipe"],
            "query": ["query", "RETURN 1"]}[command]
    result = runner.invoke(app, ["neo4j", *args, "--uri", uri],
                           env=_env(NEO4J_PASSWORD="pw"))
    assert_one_line(result)
    assert_no_secret(result)


def test_the_issue_typo_is_one_line_without_the_password(seed_store: Path,
                                                         runner: CliRunner) -> None:
    result = runner.invoke(app, ["neo4j", "push", "--uri", f"bolt//neo4j:{SECRET}@host:1",
                                 "--data-dir", str(seed_store)], env=_env(NEO4J_PASSWORD="pw"))
    line = assert_one_line(result, "error: --uri: not a Neo4j URI: 'bolt//host:1' (use bolt://")
    assert SECRET not in line


def test_credentials_in_a_well_formed_uri_are_refused_before_the_driver(
        runner: CliRunner, fake_server: FakeDriver) -> None:
    result = runner.invoke(app, ["neo4j", "wipe", "--uri", f"bolt://alice:{SECRET}@db:7687"],
                           env=_env(NEO4J_PASSWORD="pw"))
    line = assert_one_line(result, "error: --uri: a user name or password inside "
                                   "'bolt://db:7687' (take them out of the URI")
    assert "NEO4J_PASSWORD" in line
    assert_no_secret(result)
    assert fake_server.made == 0  # type: ignore[attr-defined]


@pytest.mark.parametrize("text", [
    "URI userinfo is not supported. Given URI: 'bolt://neo4j:{s}@db:7687'.",
    "Given URI: bolt//neo4j:{s}@db:7687",
    "(neo4j+s:///neo4j:{s}@db)",
    "address=neo4j://u:{s}@a@b:1, next",
    "routing context {{'password': '{s}'}} from neo4j://db?password={s}&x=1",
    "auth={s} token={s};",
])
def test_redact_removes_credentials_from_driver_text(text: str) -> None:
    assert SECRET not in neo4j_push.redact(text.format(s=SECRET))


def test_redact_masks_what_the_uri_and_password_hold() -> None:
    uri = f"bolt://neo4j:my {SECRET}@db:7687"
    # A driver may show the URI percent-decoded, or only the password.
    assert SECRET not in neo4j_push.redact(f"connection to {uri} failed; password 'my {SECRET}'", uri=uri)
    encoded = f"bolt://neo4j:{quote(SECRET + ' !', safe='')}@db:7687"
    assert SECRET not in neo4j_push.redact(f"decoded password: {SECRET} !", uri=encoded)
    assert SECRET not in neo4j_push.redact(f"the password {SECRET} was refused", password=SECRET)
    assert neo4j_push.redact("bolt://localhost:7687 and user@example") == "bolt://localhost:7687 and example"


@pytest.mark.parametrize("make", [
    lambda text: __import__("neo4j").exceptions.ConfigurationError(text),
    lambda text: __import__("neo4j").exceptions.DriverError(text),
    lambda text: RuntimeError(text),  # not a driver error: still redacted (the catch-all)
    lambda text: OSError(5, text),
])
def test_every_error_text_is_redacted(seed_store: Path, runner: CliRunner,
                                      fake_server: FakeDriver, make) -> None:
    uri = f"neo4j://example:7687?password={SECRET}"
    fake_server.fail_with = make(f"bad: {uri} (password {SECRET}, typed {SECRET}x)")
    result = runner.invoke(app, ["neo4j", "push", "--data-dir", str(seed_store), "--uri", uri],
                           env=_env(NEO4J_PASSWORD=SECRET + "x"))
    assert result.exit_code != 0 and result.stderr.count("\n") == 1, result.stderr
    assert_no_secret(result)
    assert "neo4j://example:7687?password=***" in result.stderr


def test_scrub_keeps_the_error_type_and_exit_code() -> None:
    error = neo4j_push.scrub(KgError(f"x neo4j://a?auth={SECRET}", where=f"bolt//u:{SECRET}@h",
                          hint=f"password={SECRET}"))
    assert isinstance(error, KgError) and SECRET not in str(error) and SECRET not in error.line()
    assert error.line() == "bolt//h: x neo4j://a?auth=*** (password=***)"
    other = neo4j_push.scrub(ValueError(f"bolt://u:{SECRET}@h"))
    assert isinstance(other, ValueError) and str(other) == "bolt://h"
    text_not_in_args = neo4j_push.scrub(OSError(2, "no such file", f"bolt://u:{SECRET}@h"))
    assert type(text_not_in_args).__name__ == "FileNotFoundError"
    assert SECRET not in str(text_not_in_args) and "bolt://h" in str(text_not_in_args)


def test_a_routing_uri_to_a_closed_port_is_one_line() -> None:
    """The driver's own log warnings do not reach stderr next to the error (a real process:
    pytest captures log records, so only there does Python print them)."""
    uri = f"neo4j://127.0.0.1:{_closed_port()}"
    done = subprocess.run([sys.executable, "-m", "kg", "neo4j", "wipe", "--uri", uri],
                          capture_output=True, text=True, timeout=120,
                          env={**os.environ, **_env(NEO4J_PASSWORD="pw")})
    assert done.returncode == 1
    assert done.stderr == (f"error: {uri}: cannot reach the Neo4j server (is it running? "
                           "check --uri, e.g. bolt://localhost:7687)\n")


# -- row 22: a malformed --uri is one line --------------------------------------------------------

@pytest.mark.parametrize(("uri", "start"), [
    ("bolt://[::1", "error: --uri: 'bolt://[::1' has a malformed host (write an IPv6 address"),
    ("bolt://::1]:7687", "error: --uri: 'bolt://::1]:7687' has a malformed host"),
    ("neo4j://[not-an-ip]:7687", "error: --uri: 'neo4j://[not-an-ip]:7687' has a malformed"),
    ("bolt://db:port", "error: --uri: 'bolt://db:port' has port 'port' (a port is a number"),
    ("bolt://db:99999", "error: --uri: 'bolt://db:99999' has port '99999'"),
    ("bolt://[::1]:0", "error: --uri: 'bolt://[::1]:0' has port '0'"),
    ("bolt://", "error: --uri: 'bolt://' names no host"),
    ("bolt//localhost:7687", "error: --uri: not a Neo4j URI: 'bolt//localhost:7687' (use bolt://"),
])
@pytest.mark.parametrize("command", [["push"], ["wipe"], ["query", "RETURN 1"]])
def test_a_malformed_uri_is_one_line(seed_store: Path, runner: CliRunner,
                                     fake_server: FakeDriver, uri: str, start: str,
                                     command: list[str]) -> None:
    extra = ["--data-dir", str(seed_store)] if command == ["push"] else []
    result = runner.invoke(app, ["neo4j", *command, "--uri", uri, *extra],
                           env=_env(NEO4J_PASSWORD="pw"))
    line = assert_one_line(result, start)
    assert line.rstrip().endswith(")"), "says how to fix it"
    assert fake_server.made == 0  # type: ignore[attr-defined]


def test_check_uri_accepts_ipv6_and_default_ports() -> None:
    for uri in ("bolt://[::1]:7687", "neo4j+s://db.example", "bolt://localhost:7687/"):
        assert neo4j_push.check_uri(uri) == uri


# -- row 23: a value Neo4j cannot store is one line naming the entity and property -------------

ENTITY = "case/large-electronics-maker"
BAD_VALUES = {
    "null in a list": (["a", None], "a list holding null"),
    "map": ({"k": 1}, "a map"),
    "mixed list": ([1, "a"], "a list mixing INTEGER and STRING"),
    "null": (None, "null"),
    "nested list": ([[1], [2]], "a list inside a list"),
    "integer beyond 64 bits": (2 ** 70, "an integer beyond 64 bits"),
    "not a number": (float("nan"), "not a finite number"),
}


@pytest.fixture(scope="module")
def projection(seed_store: Path) -> dict[str, Any]:
    from kg.store import load_projection

    return load_projection(seed_store)


def with_property(projection: dict[str, Any], name: str, value: Any) -> dict[str, Any]:
    crafted = copy.deepcopy(projection)
    node = next(n for n in crafted["nodes"] if n["id"] == ENTITY)
    node.setdefault("properties", {})[name] = value
    return crafted


@pytest.mark.parametrize("case", list(BAD_VALUES))
def test_mapping_names_the_entity_and_property(projection: dict[str, Any], case: str) -> None:
    value, problem = BAD_VALUES[case]
    with pytest.raises(KgError) as caught:
        property_graph(with_property(projection, "industry", value))
    line = caught.value.line()
    assert line.startswith(f"{ENTITY}: property 'industry' = ") and problem in line
    assert "\n" not in line and "kg build" in line


def test_schema_of_checks_values_too(projection: dict[str, Any]) -> None:
    graph = property_graph(projection)
    node = next(n for n in graph.nodes if n.id == ENTITY)
    node.props["industry"] = ["a", None]
    with pytest.raises(KgError, match=f"^{ENTITY}: property 'industry'"):
        schema_of(graph)


@pytest.mark.parametrize("case", list(BAD_VALUES))
def test_push_refuses_an_unstorable_value_before_sending(
        seed_store: Path, runner: CliRunner, fake_server: FakeDriver,
        monkeypatch: pytest.MonkeyPatch, projection: dict[str, Any], case: str) -> None:
    import kg.store

    value, problem = BAD_VALUES[case]
    crafted = with_property(projection, "industry", value)
    monkeypatch.setattr(kg.store, "load_projection", lambda data_dir: crafted)
    result = runner.invoke(app, ["neo4j", "push", "--data-dir", str(seed_store)],
                           env=_env(NEO4J_PASSWORD="pw", NEO4J_URI="bolt://example:7687"))
    line = assert_one_line(result, f"error: {ENTITY}: property 'industry' = ")
    assert problem in line
    assert fake_server.made == 0 and fake_server.db.log == []  # type: ignore[attr-defined]


def test_a_built_integer_beyond_64_bits_is_refused_before_sending(
        source_copy: Path, tmp_path: Path, runner: CliRunner, fake_server: FakeDriver) -> None:
    """The loader takes any YAML integer; Neo4j stores 64 bits: push (and the exports) say so."""
    model = source_copy / "annotations" / "000-model.yaml"
    text = model.read_text(encoding="utf-8")
    old = "size: small, yearsOnPlatform: 5,"
    assert old in text
    model.write_text(text.replace(old, "size: small, yearsOnPlatform: 100000000000000000000000,"),
                     encoding="utf-8")
    data_dir = tmp_path / "store"
    build(source_copy, data_dir, validate=False)
    env = _env(NEO4J_PASSWORD="pw", NEO4J_URI="bolt://example:7687")
    result = runner.invoke(app, ["neo4j", "push", "--data-dir", str(data_dir)], env=env)
    line = assert_one_line(result, "error: case/small-furniture-maker: property "
                                   "'yearsOnPlatform' = 100000000000000000000000 ")
    assert "an integer beyond 64 bits" in line
    assert fake_server.db.log == [] and fake_server.transactions == 0
    exported = runner.invoke(app, ["export", "--format", "cypher", "--data-dir", str(data_dir)])
    assert exported.exit_code == 1 and "yearsOnPlatform" in exported.stderr
    assert json.dumps(exported.stdout) == '""'

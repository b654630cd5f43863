"""Safe YAML with locations: marks, duplicates, aliases, limits, encodings."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from bgreplay.errors import InputError
from bgreplay.scenario import yamlnodes
from bgreplay.scenario.yamlnodes import parse_text, read_yaml


def problem(text: str):
    with pytest.raises(InputError) as err:
        parse_text(text, "f.yaml")
    return err.value.problems


def test_keys_and_values_keep_line_and_column() -> None:
    node = parse_text("a: 1\nb:\n  c: [x, 'y']\n", "f.yaml")
    assert node is not None
    assert (node.keys["b"].line, node.keys["b"].column) == (2, 1)
    c = node.map["b"].map["c"]
    assert (c.loc.line, c.loc.column) == (3, 6)
    assert [(i.loc.line, i.loc.column, i.value) for i in c.items] == [(3, 7, "x"), (3, 10, "y")]


def test_scalars_stay_as_written_where_yaml_1_1_would_surprise() -> None:
    node = parse_text("t: 12:30\nd: 2026-03-02\nv: 26.1\nn: none\nb: true\ni: 0x10\nz: ~\n", "f")
    assert node is not None
    m = {k: v.value for k, v in node.map.items()}
    assert m == {
        "t": "12:30",
        "d": "2026-03-02",
        "v": 26.1,
        "n": "none",
        "b": True,
        "i": 16,
        "z": None,
    }
    assert node.map["v"].text() == "26.1"


def test_duplicate_keys_are_errors_at_the_second_key() -> None:
    [p] = problem("a: 1\nb: 2\na: 3\n")
    assert (p.location.line, p.location.column) == (3, 1)
    assert "duplicate key 'a'" in p.message and "line 1" in p.message


def test_merge_keys_and_aliases_are_allowed() -> None:
    node = parse_text("base: &h {duration: 5s, cpu: 0.5}\nt: {<<: *h, cpu: 0.9}\n", "f")
    assert node is not None
    t = node.map["t"].map
    assert t["duration"].value == "5s" and t["cpu"].value == 0.9


def test_alias_bomb_is_refused_quickly() -> None:
    lines = ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]" for i in range(1, 10)]
    began = time.perf_counter()
    [p] = problem("\n".join(lines))
    assert time.perf_counter() - began < 1.0
    assert "expands to more than 200,000" in p.message
    assert p.location.line > 1


def test_recursive_alias_and_deep_nesting_are_refused() -> None:
    assert "recursive" in problem("x: &a [1, *a]\n")[0].message
    assert "nested more than 100" in problem("x: " + "[" * 120 + "]" * 120)[0].message
    deep = problem("x: " + "[" * 3000 + "]" * 3000)[0]  # libyaml or Python's recursion limit
    assert "nested too deeply" in deep.message or "nesting depth" in deep.message


def test_syntax_errors_have_the_parsers_position_and_a_fix() -> None:
    [p] = problem("a: 1\nb: [1, 2\nc: 3\n")
    assert p.location.line >= 2 and "YAML syntax error" in p.message and p.fix
    [tab] = problem("a:\n\tb: 1\n")
    assert (tab.location.line, tab.location.column) == (2, 1)
    assert "tabs" in tab.fix


def test_unsupported_tags_are_refused() -> None:
    [p] = problem("a: !!python/object:os.system x\n")
    assert "not supported" in p.message and p.location.line == 1


def test_huge_integer_is_a_problem_not_a_crash() -> None:
    [p] = problem("seed: " + "9" * 5000 + "\n")
    assert "too large" in p.message


def test_bom_and_crlf(tmp_path: Path) -> None:
    path = tmp_path / "s.yaml"
    path.write_bytes(b"\xef\xbb\xbfa: 1\r\nb: x\r\n")
    node = read_yaml(path)
    assert node is not None and node.map["b"].value == "x"
    assert (node.keys["a"].line, node.keys["a"].column) == (1, 1)
    assert (node.keys["b"].line, node.keys["b"].column) == (2, 1)


def test_non_utf8_names_the_byte_position(tmp_path: Path) -> None:
    path = tmp_path / "s.yaml"
    path.write_bytes(b"a: 1\nname: caf\xe9\n")
    with pytest.raises(InputError) as err:
        read_yaml(path)
    p = err.value.problems[0]
    assert "not valid UTF-8" in p.message
    assert (p.location.line, p.location.column) == (2, 10)


def test_large_files_are_refused_before_parsing(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(yamlnodes, "MAX_BYTES", 100)
    path = tmp_path / "s.yaml"
    path.write_text("a: 1\n" * 50)
    with pytest.raises(InputError, match="limited to"):
        read_yaml(path)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="file not found"):
        read_yaml(tmp_path / "nope.yaml")


def test_pure_python_loader_gives_the_same_places(monkeypatch) -> None:
    monkeypatch.setattr(yamlnodes, "_LOADER", __import__("yaml").SafeLoader)
    node = parse_text("a: 1\nb:\n  c: [x, 'y']\n", "f.yaml")
    assert node is not None and node.map["b"].map["c"].loc.column == 6
    [p] = problem("a: 1\na: 2\n")
    assert p.location.line == 2
    assert "nested too deeply" in problem("x: " + "[" * 800 + "]" * 800)[0].message

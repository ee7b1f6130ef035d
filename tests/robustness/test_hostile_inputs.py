"""Hostile inputs through the real CLI: every run completes, with a notice or a ``parse-error``
finding for what could not be checked, the other files' findings, and the right exit code.

Each CLI run has a time limit (``tests/robustness/conftest.py``): a hang fails the test.
"""

from __future__ import annotations

import codecs
import json
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import libcst as cst
import pytest

from bek_gate.gate import GateOptions, run_gate
from tests.robustness.conftest import CLEAN_NEIGHBOUR, bek, rule_module, team_project

PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4"
    b"\x89\x00\x00\x00\rIDATx\x9cc\xf8\xff\xff?\x00\x05\xfe\x02\xfe\xa7\x35\x81\x84\x00\x00\x00\x00IEND\xaeB`\x82"
)
SHELL_SCRIPT = b'#!/bin/sh\nset -eu\necho "deploying $1" && rm -rf ./build\n'


def gate_json(directory: Path, *extra: str, timeout: float = 60) -> tuple[int, dict, str]:
    # At --fail-on high the medium missing-timeout findings that prove a file was checked do not gate.
    fail_on = () if "--fail-on" in extra else ("--fail-on", "high")
    run = bek(
        "gate",
        "-c",
        "all",
        "--no-cache",
        "--format",
        "json",
        *fail_on,
        *extra,
        ".",
        cwd=directory,
        timeout=timeout,
    )
    assert "Traceback" not in run.stderr, run.stderr
    assert run.exit_code in (0, 1, 3), run.stderr
    return run.exit_code, run.json(), run.stderr


def by_path(report: dict) -> dict[str, list[dict]]:
    found: dict[str, list[dict]] = {}
    for finding in report["findings"]:
        found.setdefault(finding["path"], []).append(finding)
    return found


@dataclass(frozen=True)
class Unparsable:
    name: str
    data: bytes
    reason: str  # in the parse-error's message
    line: int


UNPARSABLE = [
    Unparsable("syntax_error.py", b"def handler(request:\n    return request\n", "syntax error", 1),
    Unparsable("nul_bytes.py", b"x = 1\ny = '\x00'\n", "NUL bytes", 2),
    Unparsable("invalid_utf8.py", b"x = 1\nname = 'caf\xe9'\n", "not valid UTF-8", 2),
    Unparsable("utf16_bom.py", codecs.BOM_UTF16_LE + "x = 1\n".encode("utf-16-le"), "UTF-16", 1),
    Unparsable("utf32_bom.py", codecs.BOM_UTF32_BE + "x = 1\n".encode("utf-32-be"), "UTF-32", 1),
    Unparsable("unknown_codec.py", b"# -*- coding: klingon -*-\nx = 1\n", "unknown encoding: klingon", 1),
    Unparsable("tabs_and_spaces.py", b"if True:\n        x = 1\n\ty = 2\n", "inconsistent use of tabs", 3),
    Unparsable("parens_1000.py", b"x = " + b"(" * 1000 + b"1" + b")" * 1000 + b"\n", "nested", 1),
    Unparsable("lists_1000.py", b"x = " + b"[" * 1000 + b"]" * 1000 + b"\n", "nested", 1),
    Unparsable("calls_1000.py", b"x = " + b"f(" * 1000 + b")" * 1000 + b"\n", "nested", 1),
    Unparsable("unary_50000.py", b"x = " + b"-" * 50_000 + b"1\n", "nested too deeply", 1),
    Unparsable("indent_101.py", b"".join(b" " * i + b"if x:\n" for i in range(101)) + b" " * 101 + b"y = 1\n",
                "too many levels of indentation", 101),
    Unparsable("python2.py", b"print 'hello'\n", "Missing parentheses", 1),
    Unparsable("image.py", PNG, "NUL bytes", 3),
    Unparsable("script.py", SHELL_SCRIPT, "syntax error", 3),
]  # fmt: skip


@pytest.fixture(scope="module")
def unparsable_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[int, dict, str]:
    """One run over all the unparsable files at once, and a file with a finding among them."""
    directory = tmp_path_factory.mktemp("unparsable")
    for case in UNPARSABLE:
        (directory / case.name).write_bytes(case.data)
    (directory / "neighbour.py").write_text(CLEAN_NEIGHBOUR)
    return gate_json(directory)


@pytest.mark.parametrize("case", UNPARSABLE, ids=lambda case: case.name)
def test_a_file_that_cannot_be_parsed_is_a_parse_error_and_the_rest_is_checked(
    unparsable_run: tuple[int, dict, str], case: Unparsable
) -> None:
    exit_code, report, _ = unparsable_run
    assert exit_code == 1  # parse-error is high: the gate fails on a file it could not check
    found = by_path(report)
    assert set(found) == {case.name for case in UNPARSABLE} | {"neighbour.py"}
    assert [finding["ruleId"] for finding in found["neighbour.py"]] == ["missing-timeout"]
    [error] = found[case.name]
    assert error["ruleId"] == "parse-error" and error["gating"] is True
    assert case.reason in error["message"] and error["message"].endswith("this file was not checked")
    assert error["location"]["line"] == case.line
    assert report["filesChecked"] == len(UNPARSABLE) + 1 and report["notices"] == []


ENCODED = {
    "crlf.py": CLEAN_NEIGHBOUR.replace("\n", "\r\n").encode(),
    "cr_only.py": CLEAN_NEIGHBOUR.replace("\n", "\r").encode(),
    "utf8_bom.py": codecs.BOM_UTF8 + CLEAN_NEIGHBOUR.encode(),
    "utf8_bom_crlf.py": codecs.BOM_UTF8 + CLEAN_NEIGHBOUR.replace("\n", "\r\n").encode(),
    "latin1_cookie.py": b"# -*- coding: latin-1 -*-\n# caf\xe9\n" + CLEAN_NEIGHBOUR.encode(),
    "tabs.py": CLEAN_NEIGHBOUR.replace("    ", "\t").encode(),
    "form_feed.py": CLEAN_NEIGHBOUR.replace("def", "\x0cdef").encode(),
    "no_final_newline.py": CLEAN_NEIGHBOUR.rstrip("\n").encode(),
}


@pytest.fixture(scope="module")
def encoded_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[int, dict, str]:
    directory = tmp_path_factory.mktemp("encoded")
    for name, data in ENCODED.items():
        (directory / name).write_bytes(data)
    return gate_json(directory)


@pytest.mark.parametrize("name", sorted(ENCODED))
def test_line_endings_boms_and_encodings_do_not_move_a_finding(
    encoded_run: tuple[int, dict, str], name: str
) -> None:
    exit_code, report, _ = encoded_run
    assert exit_code == 0 and report["notices"] == []
    [finding] = by_path(report)[name]
    offset = 2 if name.startswith("latin1") else 0
    indent = 1 if name == "tabs.py" else 4
    assert finding["ruleId"] == "missing-timeout"
    assert (finding["location"]["line"], finding["location"]["column"]) == (5 + offset, indent + 8)
    assert finding["snippet"].strip() == 'return requests.get("https://example.com")'


def test_code_only_libcst_rejects_is_a_parse_error_that_says_so(tmp_path: Path) -> None:
    """Python accepts 6,000 implicitly concatenated strings; libcst 1.9's parser reports a
    syntax error on them. The finding must not send the user looking for a mistake."""
    code = "import requests\nx = " + " ".join(["'a'"] * 6000) + "\n"
    try:
        cst.parse_module(code)
    except cst.ParserSyntaxError:
        pass
    else:
        pytest.skip("this libcst parses it")
    (tmp_path / "strings.py").write_text(code)
    exit_code, report, _ = gate_json(tmp_path)
    [error] = report["findings"]
    assert exit_code == 1 and error["ruleId"] == "parse-error"
    assert error["message"].startswith("libcst's parser rejects this file, which Python accepts (")


def test_valid_python_that_is_not_code_is_checked_quietly(tmp_path: Path) -> None:
    """A JSON document is a valid Python expression: checked, nothing found, the gate passes."""
    (tmp_path / "data.py").write_text('{"users": [{"id": 1, "active": true, "manager": null}]}\n')
    (tmp_path / "empty.py").write_bytes(b"")
    (tmp_path / "only_a_bom.py").write_bytes(codecs.BOM_UTF8)
    exit_code, report, _ = gate_json(tmp_path)
    assert (exit_code, report["findings"], report["notices"], report["filesChecked"]) == (0, [], [], 3)


def test_expressions_nested_1000_deep_without_brackets_are_checked(tmp_path: Path) -> None:
    """CPython accepts these; the walk is iterative, so they are checked, not a crash."""
    call = "requests.get('https://example.com')\n"
    files = {
        "unary.py": "x = " + "-" * 1000 + "1\n" + call,
        "nots.py": "x = " + "not " * 1000 + "y\n" + call,
        "lambdas.py": "x = " + "lambda: " * 1000 + call,
        "attributes.py": "x = y" + ".a" * 1000 + "\n" + call,
        "conditionals.py": "x = " + "a if b else " * 1000 + "c\n" + call,
        "powers.py": "x = " + "2 ** " * 1000 + "2\n" + call,
        "indent_99.py": "".join(" " * i + "if x:\n" for i in range(99)) + " " * 99 + call,
    }
    for name, code in files.items():
        (tmp_path / name).write_text("import requests\n" + code)
    exit_code, report, _ = gate_json(tmp_path)
    assert exit_code == 0 and report["notices"] == []
    found = by_path(report)
    assert set(found) == set(files)
    assert all(
        [finding["ruleId"] for finding in findings] == ["missing-timeout"] for findings in found.values()
    )
    assert found["indent_99.py"][0]["location"]["line"] == 101


@pytest.mark.slow
def test_a_50000_line_file_is_checked_and_its_findings_reported(tmp_path: Path) -> None:
    body = "".join(f"SETTING_{index} = {index}\n" for index in range(49_993))
    (tmp_path / "huge.py").write_text(
        "import requests\n\n\ndef first():\n    return requests.get(URL)\n" + body + "requests.post(URL)\n"
    )
    assert len((tmp_path / "huge.py").read_text().splitlines()) == 49_999
    exit_code, report, _ = gate_json(tmp_path, "--fail-on", "medium")
    assert exit_code == 1 and report["notices"] == []
    lines = [(finding["ruleId"], finding["location"]["line"]) for finding in report["findings"]]
    assert lines == [("missing-timeout", 5), ("missing-timeout", 49_999)]


def _chain_files(directory: Path, neighbours: int) -> None:
    # CPython parses this flat chain; libcst's native parser overflows its stack on it
    # and kills the worker process.
    (directory / "m_chain.py").write_text(
        "import requests\n\na = 1\nx = " + " and ".join(["a"] * 20_000) + "\nrequests.get(URL)\n"
    )
    for index in range(neighbours):
        (directory / f"{'az'[index % 2]}_neighbour_{index:02d}.py").write_text(CLEAN_NEIGHBOUR)


@pytest.mark.parametrize(("jobs", "neighbours"), [("1", 4), ("2", 30)])
def test_a_file_that_crashes_the_parser_is_a_parse_error_and_the_rest_is_checked(
    tmp_path: Path, jobs: str, neighbours: int
) -> None:
    """Files before and after it (in every worker's chunk) keep their findings: the quarantine
    redoes the unfinished ones one at a time and names the file that kills the worker."""
    _chain_files(tmp_path, neighbours)
    exit_code, report, stderr = gate_json(tmp_path, "-j", jobs)
    assert exit_code == 1, stderr
    found = by_path(report)
    [error] = found.pop("m_chain.py")
    assert error["ruleId"] == "parse-error" and "crashed or hung" in error["message"]
    assert len(found) == neighbours
    assert all(
        [finding["ruleId"] for finding in findings] == ["missing-timeout"] for findings in found.values()
    )
    assert report["filesChecked"] == neighbours + 1


def test_results_reflect_one_version_of_a_file_that_changes_while_it_is_checked(tmp_path: Path) -> None:
    """A team rule rewrites the file it is checking: the findings, their snippets and the text
    report's code frames are all of the version that was read; the next run sees the new one."""
    rewriter = rule_module(
        "rewriter",
        """
        def visit_Module(self, node: cst.Module) -> None:
            path = Path(self.context.path)
            if "requests.get" in path.read_text():
                path.write_text(NEW_VERSION)
        """,
        imports="from pathlib import Path\n\n"
        "NEW_VERSION = '# rewritten\\n# rewritten\\nimport requests\\n\\n\\ndef fetch():\\n"
        "    return requests.post(URL)\\n'\n",
    )
    project = team_project(tmp_path / "project", {"rewriter": rewriter}, {"app.py": CLEAN_NEIGHBOUR})
    expected = [(5, 'return requests.get("https://example.com")'), (7, "return requests.post(URL)")]
    for line, code in expected:
        run = bek("gate", "--no-cache", "--fail-on", "medium", "--json-output", "report.json", cwd=project)
        assert run.exit_code == 1, run.stderr
        [finding] = json.loads((project / "report.json").read_text())["findings"]
        assert (finding["location"]["line"], finding["snippet"].strip()) == (line, code)
        assert f"> {line} |     {code}\n" in run.stdout, run.stdout
        assert "rewritten" not in run.stdout or line == 7
        assert "rewritten" in (project / "app.py").read_text()


def test_an_unreadable_file_is_a_notice(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """As root every file is readable, so the reads themselves are made to fail (in-process):
    the file's read, the permission check discovery makes, and a directory's listing."""
    (tmp_path / "secret.py").write_text(CLEAN_NEIGHBOUR)
    (tmp_path / "neighbour.py").write_text(CLEAN_NEIGHBOUR)
    (tmp_path / "denied.py").write_text(CLEAN_NEIGHBOUR)
    (tmp_path / "locked").mkdir()
    (tmp_path / "locked" / "inside.py").write_text(CLEAN_NEIGHBOUR)
    real_read_bytes, real_access, real_scandir = Path.read_bytes, os.access, os.scandir

    def read_bytes(path: Path) -> bytes:
        if path.name == "secret.py":
            raise PermissionError(13, "Permission denied", str(path))
        return real_read_bytes(path)

    def access(path: str | Path, mode: int, **kwargs: object) -> bool:
        return not str(path).endswith("denied.py") and real_access(path, mode, **kwargs)  # type: ignore[arg-type]

    def scandir(path: str | Path = ".") -> object:
        if str(path).endswith("locked"):
            raise PermissionError(13, "Permission denied", str(path))
        return real_scandir(path)

    monkeypatch.setattr(Path, "read_bytes", read_bytes)
    monkeypatch.setattr(os, "access", access)
    monkeypatch.setattr(os, "scandir", scandir)
    result = run_gate(
        GateOptions(paths=[str(tmp_path)], checklists=["all"], fail_on="high", use_cache=False, cwd=tmp_path)
    )
    notices = {(notice.path, notice.kind, notice.message) for notice in result.notices}
    assert notices == {
        ("secret.py", "skipped", "could not be read: Permission denied"),
        ("denied.py", "skipped", "could not be read: permission denied"),
        ("locked", "skipped", "directory could not be read: Permission denied"),
    }
    assert [(finding.path, finding.rule_id) for finding in result.findings] == [
        ("neighbour.py", "missing-timeout")
    ]
    assert result.verdict.exit_code == 0


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads every file")
def test_an_unreadable_file_is_a_notice_in_the_cli(tmp_path: Path) -> None:
    (tmp_path / "secret.py").write_text(CLEAN_NEIGHBOUR)
    (tmp_path / "secret.py").chmod(0)
    (tmp_path / "neighbour.py").write_text(CLEAN_NEIGHBOUR)
    exit_code, report, _ = gate_json(tmp_path)
    assert exit_code == 0 and set(by_path(report)) == {"neighbour.py"}
    assert [(notice["path"], notice["kind"]) for notice in report["notices"]] == [("secret.py", "skipped")]


def test_links_pipes_and_oversized_files_are_notices_not_hangs(tmp_path: Path) -> None:
    (tmp_path / "neighbour.py").write_text(CLEAN_NEIGHBOUR)
    (tmp_path / "loop_a.py").symlink_to("loop_b.py")
    (tmp_path / "loop_b.py").symlink_to("loop_a.py")
    (tmp_path / "dangling.py").symlink_to("nowhere.py")
    (tmp_path / "package").mkdir()
    (tmp_path / "package" / "up").symlink_to("..", target_is_directory=True)  # a directory loop
    (tmp_path / "package" / "self").symlink_to(".", target_is_directory=True)
    os.mkfifo(tmp_path / "pipe.py")  # reading it would block forever
    (tmp_path / "bek.toml").write_text("max-file-size = 4096\n")
    (tmp_path / "generated.py").write_text(CLEAN_NEIGHBOUR * 100)
    exit_code, report, _ = gate_json(tmp_path, timeout=30)
    assert exit_code == 0
    assert set(by_path(report)) == {"neighbour.py"}
    notices = {(notice["path"], notice["message"]) for notice in report["notices"]}
    assert notices == {
        ("dangling.py", "broken symlink"),
        ("loop_a.py", "symlink loop"),
        ("loop_b.py", "symlink loop"),
        ("pipe.py", "not a regular file (a FIFO, socket or device)"),
        ("generated.py", f"larger than max-file-size ({len(CLEAN_NEIGHBOUR) * 100} > 4096 bytes)"),
    }
    named = bek("gate", "-c", "all", "--no-cache", "--format", "json", "pipe.py", cwd=tmp_path, timeout=30)
    assert named.exit_code == 0
    assert [(notice.get("path"), notice["kind"]) for notice in named.json()["notices"]] == [
        (None, "no-files"),
        ("pipe.py", "skipped"),
    ]


@pytest.mark.parametrize("kind", ["empty", "no python", "git"])
def test_a_repository_without_python_files_passes_with_a_notice(tmp_path: Path, kind: str) -> None:
    if kind == "no python":
        (tmp_path / "README.md").write_text("# docs only\n")
        (tmp_path / "image.png").write_bytes(PNG)
    if kind == "git" and shutil.which("git"):
        subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    exit_code, report, stderr = gate_json(tmp_path)
    assert exit_code == 0, stderr
    assert report["filesChecked"] == 0 and report["findings"] == []
    [notice] = report["notices"]
    assert notice["kind"] == "no-files" and notice["message"].startswith("no Python files to check")
    if kind == "empty":
        text = bek("gate", "-c", "all", "--no-cache", ".", cwd=tmp_path)
        assert text.exit_code == 0 and "no Python files to check" in text.stdout


def test_a_path_that_does_not_exist_is_a_usage_error(tmp_path: Path) -> None:
    run = bek("gate", "-c", "all", "no/such/dir", cwd=tmp_path)
    assert run.exit_code == 2
    assert run.error_lines() == ["bek: error: no/such/dir: no such file or directory"]


def test_odd_file_names_reach_every_report(tmp_path: Path) -> None:
    """Spaces, newlines, tabs, quotes, leading dashes, non-ASCII and non-UTF-8 names."""
    names = [b"with space.py", "ünïcödé.py".encode(), b"new\nline.py", b"tab\tname.py", b"quote'\".py"]
    names += [b"--help.py", b"comma,colon:percent%2C.py", b"latin1-\xe9t\xe9.py"]
    for name in names:
        (tmp_path / os.fsdecode(name)).write_text(CLEAN_NEIGHBOUR)
    outputs = ["--json-output", "r/report.json", "--sarif-output", "r/report.sarif"]
    outputs += ["--junit-output", "r/report.xml", "--summary-output", "r/summary.md"]
    for output_format in ("text", "github"):  # and the four other formats as files
        run = bek(
            "gate", "-c", "all", "--no-cache", "--fail-on", "medium", "--format", output_format, *outputs, ".",
            cwd=tmp_path,
        )  # fmt: skip
        assert (run.exit_code, run.stderr) == (1, "")
    findings = json.loads((tmp_path / "r" / "report.json").read_text())["findings"]
    assert sorted(finding["path"] for finding in findings) == sorted(os.fsdecode(name) for name in names)
    assert len({finding["fingerprint"] for finding in findings}) == len(names)


# -- nothing hangs --------------------------------------------------------------------------------

LOOPS_FOREVER = """
def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
    if node.name.value == "forever":
        while True:
            pass
"""

# Catches the soft time limit (FileTimeout is a BaseException) and goes on sleeping.
IGNORES_THE_TIME_LIMIT = """
def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
    if node.name.value == "forever":
        while True:
            try:
                time.sleep(1)
            except BaseException:
                continue
"""


def test_a_rule_that_loops_forever_is_stopped_by_the_file_timeout(tmp_path: Path) -> None:
    project = team_project(
        tmp_path / "project",
        {"loops": rule_module("loops", LOOPS_FOREVER)},
        {"hangs.py": "def forever():\n    pass\n", "neighbour.py": CLEAN_NEIGHBOUR},
        config="file-timeout = 1\n",
    )
    run = bek("gate", "--no-cache", "--format", "json", cwd=project, timeout=30)
    assert run.exit_code == 3, run.stderr
    report = run.json()
    assert [(finding["path"], finding["ruleId"]) for finding in report["findings"]] == [
        ("neighbour.py", "missing-timeout")
    ]
    assert [(notice["path"], notice["kind"]) for notice in report["notices"]] == [("hangs.py", "timeout")]
    assert "1 s file-timeout" in report["notices"][0]["message"]
    assert "bek: timeout: hangs.py: not checked" in run.stderr


@pytest.mark.slow
def test_a_rule_that_ignores_the_timeout_is_ended_by_the_watchdog(tmp_path: Path) -> None:
    """Budget 1 s, watchdog at 2 x 1 + 5 s, then once more in quarantine: well under 30 s."""
    project = team_project(
        tmp_path / "project",
        {"sleeper": rule_module("sleeper", IGNORES_THE_TIME_LIMIT, imports="import time\n")},
        {"hangs.py": "def forever():\n    pass\n", "neighbour.py": CLEAN_NEIGHBOUR},
        config="file-timeout = 1\n",
    )
    run = bek("gate", "--no-cache", "--format", "json", cwd=project, timeout=40)
    assert run.exit_code == 1, run.stderr  # the parse-error (high) fails the gate
    found = {(finding["path"], finding["ruleId"]): finding for finding in run.json()["findings"]}
    assert set(found) == {("hangs.py", "parse-error"), ("neighbour.py", "missing-timeout")}
    assert "crashed or hung" in found["hangs.py", "parse-error"]["message"]

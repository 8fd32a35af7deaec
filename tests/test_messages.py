"""The catalogue of student-facing messages (autograder/messages.py) and the language setting.

Every entry has both texts with the same placeholders; every key the code names exists and every
entry is used; AUTOGRADER_LANGUAGE=zh / en / both gives the 中文 line, the English line, or both (the
default, unchanged: 中文, a newline, English); anything else is refused, naming the three.
"""
import ast
import re
from pathlib import Path

import pytest

from corpus import student_code as sc
from autograder import checks, compare, guards, messages
from autograder._steps import VISIBLE_SEED, VISIBLE_SHAPE, Case
from autograder.compare import CheckFailed
from autograder.diagnosis import MISTAKES
from autograder.grading import failures
from autograder.grading.plugins import feedback

ROOT = Path(__file__).resolve().parent.parent
CJK = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]")  # ideographs and full-width punctuation
ENGLISH_WORDS = re.compile(r"[A-Za-z]{2,} [A-Za-z]{2,}")  # two English words: a sentence, not a name
KEY = re.compile(r"[a-z_]+\.[a-z_0-9]+")


def _dummy(template):
    return {name: 1.0 for name in messages.placeholders(template)}


@pytest.mark.parametrize("key", list(messages.CATALOGUE))
def test_every_entry_has_both_texts_with_the_same_placeholders(key):
    entry = messages.CATALOGUE[key]
    assert len(entry) in (2, 3), key
    zh, en = entry[:2]
    assert zh.strip() and en.strip()
    assert CJK.search(zh), f"{key}: the 中文 text has no Chinese"
    assert not CJK.search(en), f"{key}: the English text has Chinese characters"
    assert messages.placeholders(zh) == messages.placeholders(en), key
    if len(entry) == 3:  # its own bilingual form: both languages, the same values
        assert CJK.search(entry[2]) and re.search(r"[A-Za-z]{3,}", entry[2]), key
        assert messages.placeholders(entry[2]) == messages.placeholders(en), key
    assert KEY.fullmatch(key), f"{key}: keys are group.name"


def _string_literals():
    """(file, every string constant in it) for the package's sources and nbgrader_config.py, but the catalogue."""
    files = [p for p in sorted((ROOT / "autograder").rglob("*.py")) if p.name != "messages.py"]
    for path in files + [ROOT / "nbgrader_config.py"]:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        yield path, {node.value for node in ast.walk(tree) if isinstance(node, ast.Constant) and isinstance(node.value, str)}


def test_every_key_the_code_names_exists_and_every_entry_is_used():
    groups = {key.split(".")[0] for key in messages.CATALOGUE}
    named = {}
    for path, literals in _string_literals():
        for text in literals:
            if KEY.fullmatch(text) and text.split(".")[0] in groups:
                named.setdefault(text, path.relative_to(ROOT))
    unknown = {key: str(path) for key, path in named.items() if key not in messages.CATALOGUE}
    assert not unknown, f"keys used but not in autograder/messages.py: {unknown}"
    # Two families are named by their members' keys: diagnosis.MISTAKES and guards.RULES.
    assert set(MISTAKES) == {key.split(".", 1)[1] for key in messages.keys("mistake.")}
    assert {f"rule.{rule}" for rule in guards.RULES} == set(messages.keys("rule.")) - {"rule.broken"}
    families = set(messages.keys("mistake.")) | set(messages.keys("rule."))
    dead = set(messages.CATALOGUE) - set(named) - families
    assert not dead, f"entries no code uses: {sorted(dead)}"


def test_the_code_has_no_student_text_outside_the_catalogue():
    """Chinese text in the package is only in the catalogue, the instructors' class report and
    selfcheck's console lines, and comments/docstrings."""
    allowed = {"report.py", "selfcheck.py"}
    for path, literals in _string_literals():
        if path.name in allowed:
            continue
        docstrings = {ast.get_docstring(node, clean=False) for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
                      if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef))}
        chinese = [text for text in literals - docstrings if CJK.search(text)]
        assert not chinese, f"{path.relative_to(ROOT)} has text outside autograder/messages.py: {chinese}"


@pytest.mark.parametrize("key", list(messages.CATALOGUE))
def test_each_language_gives_its_own_text(key, monkeypatch):
    entry = messages.CATALOGUE[key]
    values = _dummy(entry[1])
    zh, en = (text.format(**values) for text in entry[:2])
    monkeypatch.setenv(messages.VARIABLE, "zh")
    assert messages.say(key, **values) == zh and messages.lines(key, **values) == [zh]
    monkeypatch.setenv(messages.VARIABLE, "en")
    assert messages.say(key, **values) == en and messages.lines(key, **values) == [en]
    assert not CJK.search(messages.say(key, joined=" / ", **values))
    monkeypatch.delenv(messages.VARIABLE)
    both = entry[2].format(**values) if len(entry) == 3 else f"{zh}\n{en}"
    assert messages.say(key, **values) == both
    monkeypatch.setenv(messages.VARIABLE, "both")
    assert messages.say(key, **values) == both and messages.lines(key, **values) == [zh, en]
    if len(entry) == 2:
        assert messages.say(key, joined=" / ", **values) == f"{zh} / {en}"


def _forward_without_relu():
    with pytest.raises(CheckFailed) as info:
        checks.forward(sc.forward_np_no_relu)
    return str(info.value)


def _blocks_as_before():
    """What checks.forward said of a forward without ReLU before the catalogue: each block as the old hand-written code
    made it, 中文 line, newline, English line, here from the catalogue's texts and values computed anew."""
    c = Case("numpy", VISIBLE_SEED, VISIBLE_SHAPE, "float64", "cpu")
    h, h_relu, y_pred = sc.forward_np_no_relu(c.x, c.w1, c.w2)
    blocks = [[t.format(step="forward") for t in messages.pair("check.failed")]]
    for name, value in (("h_relu", h_relu), ("y_pred", y_pred)):
        values = dict(name=name, error=compare.relative_error(value, c.ref[name]), dtype="float64", tol=1e-7)
        blocks.append([t.format(**values) for t in messages.pair("value.wrong")])
    mistake = MISTAKES["relu_missing"]
    blocks.append([t.format(cause=cause) for t, cause in zip(messages.pair("diagnosis.likely_cause"), (mistake.zh, mistake.en))])
    blocks.append([t.format(label=c.label) for t in messages.pair("check.case")])
    return blocks


def test_by_default_a_failed_check_says_both_as_before(monkeypatch):
    monkeypatch.delenv(messages.VARIABLE, raising=False)
    message = _forward_without_relu()
    assert message == "\n\n".join(f"{zh}\n{en}" for zh, en in _blocks_as_before())
    assert message.startswith("✗ forward：没有通过检查。\n✗ forward: check failed.\n\n")
    monkeypatch.setenv(messages.VARIABLE, "both")
    assert _forward_without_relu() == message


def test_in_english_a_failed_check_has_no_chinese(monkeypatch):
    monkeypatch.setenv(messages.VARIABLE, "en")
    message = _forward_without_relu()
    assert not CJK.search(message), message
    assert message == "\n\n".join(en for _, en in _blocks_as_before())
    assert MISTAKES["relu_missing"].en in message and "Likely cause:" in message


def test_in_chinese_a_failed_check_has_no_english_sentence(monkeypatch):
    monkeypatch.setenv(messages.VARIABLE, "zh")
    message = _forward_without_relu()
    assert message == "\n\n".join(zh for zh, _ in _blocks_as_before())
    for key, (_, en, *_) in messages.CATALOGUE.items():
        for piece in re.split(r"\{[^}]*\}", en):
            if ENGLISH_WORDS.search(piece):
                assert piece not in message, (key, piece)


def test_a_value_of_several_words_follows_the_language(monkeypatch):
    """unpack's "got 2 values" and a rule's text inside "✗ Rule: …" are in the line's language."""
    wrong_count = lambda x, w1, w2: (x, x)  # noqa: E731
    monkeypatch.setenv(messages.VARIABLE, "en")
    with pytest.raises(CheckFailed) as info:
        checks.forward(wrong_count)
    assert "got 2 values." in str(info.value) and not CJK.search(str(info.value))
    assert str(guards.GuardViolation("torch", "torch.zeros")) == \
        f"✗ Rule: {guards.RULES['torch'][1]} (used torch.zeros)."
    monkeypatch.setenv(messages.VARIABLE, "zh")
    with pytest.raises(CheckFailed) as info:
        checks.forward(wrong_count)
    assert "实际得到 2 个值。" in str(info.value) and "values" not in str(info.value)
    monkeypatch.delenv(messages.VARIABLE)
    with pytest.raises(CheckFailed) as info:
        checks.forward(wrong_count)
    assert "实际得到 2 个值。" in str(info.value) and "; got 2 values." in str(info.value)


def test_grading_texts_follow_the_language(monkeypatch):
    monkeypatch.setenv(messages.VARIABLE, "en")
    assert feedback.bare_error("MemoryError").startswith("Out of memory")
    assert failures.reason("NotJSONError") == "submission.not_a_notebook"
    monkeypatch.delenv(messages.VARIABLE)
    assert feedback.bare_error("MemoryError") == "/ ".join(messages.pair("error.memory"))
    assert feedback.bare_error("ValueError") == ""


def _load_config():
    class Anything:
        def __getattr__(self, name):
            value = Anything()
            object.__setattr__(self, name, value)
            return value

    c = Anything()
    path = ROOT / "nbgrader_config.py"
    exec(compile(path.read_text(encoding="utf-8"), str(path), "exec"), {"get_config": lambda: c, "__file__": str(path)})
    return c


def test_the_course_config_sets_the_language_for_grading(monkeypatch):
    monkeypatch.delenv(messages.VARIABLE, raising=False)
    c = _load_config()
    import os
    assert os.environ[messages.VARIABLE] == "both"
    assert c.ClearSolutions.text_stub == " / ".join(messages.pair("stub.answer"))
    assert c.Execute.error_on_timeout["evalue"] == "/ ".join(messages.pair("kernel.timeout"))
    monkeypatch.setenv(messages.VARIABLE, "en")
    c = _load_config()
    assert not CJK.search(c.ClearSolutions.code_stub["python"] + c.ClearSolutions.text_stub
                          + c.Execute.error_on_timeout["evalue"] + c.Execute.error_on_timeout["traceback"][0])
    compile(c.ClearSolutions.code_stub["python"], "stub", "exec")  # the stub is still Python


def test_the_grading_sandbox_passes_the_setting_on():
    from autograder.grading.isolation import sandbox

    assert messages.VARIABLE in sandbox.KEPT_VARIABLES


@pytest.mark.parametrize("value", ["fr", "english", "zh,en", "中文"])
def test_an_unknown_language_is_refused_naming_the_three(value, monkeypatch):
    monkeypatch.setenv(messages.VARIABLE, value)
    for make in (messages.language, lambda: messages.say("check.failed", step="forward"),
                 lambda: checks.forward(sc.forward_np)):
        with pytest.raises(ValueError) as info:
            make()
        text = str(info.value)
        assert messages.VARIABLE in text and repr(value) in text
        assert all(re.search(rf"\b{name}\b", text) for name in ("zh", "en", "both"))
    with pytest.raises(SystemExit) as stopped:  # grading stops at the config, not later
        _load_config()
    assert "zh" in str(stopped.value) and "both" in str(stopped.value)


@pytest.mark.parametrize("value", ["", " EN ", "Zh"])
def test_the_setting_is_read_leniently(value, monkeypatch):
    monkeypatch.setenv(messages.VARIABLE, value)
    assert messages.language() == (value.strip().lower() or "both")


def test_a_message_is_data_that_survives_json_and_renders_in_any_language():
    import json

    import numpy as np

    cause = messages.Message("diagnosis.likely_cause", cause=messages.Message("mistake.relu_mask_missing"))
    again = messages.Message.from_dict(json.loads(json.dumps(cause.as_dict())))
    assert again == cause and hash(again) == hash(cause)
    assert again.render("en") == f"Likely cause: {MISTAKES['relu_mask_missing'].en}"
    assert again.lines("both") == [again.text("zh"), again.text("en")]
    shape = messages.Message("value.wrong", name="w1", error=np.float32(0.5), dtype="float32", tol=np.float64(1e-4))
    assert all(type(v) in (str, float) for v in shape.values.values())  # numpy scalars become numbers
    transposed = messages.Message("value.transposed", name="w2", shape=(np.int64(4), 10), expected=(10, 4))
    back = messages.Message.from_dict(json.loads(json.dumps(transposed.as_dict())))
    assert back.render("en") == transposed.render("en") and "(4, 10)" in back.render("en")

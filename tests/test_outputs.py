"""LimitOutputSize (autograder/grading/plugins/outputs.py), nbgrader style: a tiny notebook built
here, the preprocessor run on it, then what is left of each output."""
from nbformat.v4 import new_code_cell, new_notebook, new_output

from autograder.grading.plugins.outputs import LimitOutputSize


def _run(outputs, **limits):
    nb = new_notebook(cells=[new_code_cell("print(...)", outputs=outputs)])
    nb, _ = LimitOutputSize(**limits).preprocess(nb, {})
    return nb.cells[0].outputs


def test_text_over_max_chars_is_cut_and_the_cell_says_so():
    outputs = _run([new_output("stream", name="stdout", text="x" * 50)], max_chars=10)
    assert outputs[0].text == "x" * 10
    note = outputs[-1].text
    assert "output too long" in note and "40" in note  # the 40 characters not kept


def test_the_text_budget_is_per_cell_not_per_output():
    # Thousands of small prints must not each get the whole budget.
    outputs = _run([new_output("stream", name="stdout", text="a" * 8),
                    new_output("stream", name="stdout", text="b" * 8),
                    new_output("stream", name="stdout", text="c" * 8)], max_chars=10)
    kept = "".join(o.text for o in outputs[:-1])
    assert kept == "a" * 8 + "bb"
    assert "output too long" in outputs[-1].text and "14" in outputs[-1].text


def test_text_within_max_chars_is_left_alone():
    outputs = _run([new_output("stream", name="stdout", text="hello\n")], max_chars=10)
    assert [o.text for o in outputs] == ["hello\n"]


def test_rich_output_over_max_bytes_is_replaced_by_a_note():
    big = new_output("display_data", data={"image/png": "A" * 2000, "text/plain": "<Figure>"})
    small = new_output("display_data", data={"image/png": "B" * 100, "text/plain": "<Figure>"})
    outputs = _run([big, small], max_bytes=1000)
    assert "image/png" not in outputs[0].data
    note = outputs[0].data["text/plain"]
    assert "output too large" in note and "image/png" in note and "2000" in note
    assert outputs[1].data["image/png"] == "B" * 100  # under the limit: kept as it was


def test_error_outputs_are_kept_but_cut():
    # The error decides the grade, so it stays even when the text budget is spent; only its size is bounded.
    error = new_output("error", ename="ValueError", evalue="e" * 50, traceback=["t" * 50] * 300)
    outputs = _run([new_output("stream", name="stdout", text="x" * 50), error], max_chars=10)
    kept = [o for o in outputs if o.output_type == "error"]
    assert len(kept) == 1 and kept[0].ename == "ValueError"
    assert kept[0].evalue == "e" * 10
    assert 0 < len(kept[0].traceback) <= 200 and all(len(line) <= 10 for line in kept[0].traceback)


def test_still_outputs_keep_pictures_and_text_and_drop_what_runs():
    from autograder.grading.plugins.outputs import StillOutputs

    cell = new_code_cell("plot()", outputs=[
        new_output("display_data", data={"image/png": "iVBORw0KGgo=", "text/plain": "<Figure>"}),
        new_output("display_data", data={"application/javascript": "document.title = 'x'"}),
        new_output("display_data", data={"application/vnd.jupyter.widget-view+json": {"model_id": "m"},
                                         "text/plain": "IntSlider()"}),
        new_output("stream", name="stdout", text="loss 0.1\n")])
    nb = new_notebook(cells=[cell], metadata={"widgets": {"application/vnd.jupyter.widget-state+json": {}}})
    nb, _ = StillOutputs().preprocess(nb, {})
    outputs = nb.cells[0].outputs
    assert [sorted(o.get("data", {})) for o in outputs] == [["image/png", "text/plain"], ["text/plain"], []]
    assert outputs[-1].text == "loss 0.1\n" and "widgets" not in nb.metadata

"""Bounded, still outputs: a graded notebook and its feedback page stay small whatever a submission
prints, and hold nothing that runs.

nbgrader's LimitOutput cuts each output by number of lines; one line of 200 MB, thousands of
separate outputs, or a huge image all pass it. This preprocessor, run after it, keeps at most
``max_chars`` characters of text per cell and replaces any rich output (image, HTML) larger
than ``max_bytes`` by a note. Error outputs are always kept (they decide the grade), cut short.
StillOutputs drops what would run code where the notebook is opened (JavaScript, widgets): the
graded notebook keeps the student's own outputs, and they are the student's markup. HTML stays; every
page that renders it sanitises it (nbgrader_config.py).
"""
from nbformat.v4 import new_output
from nbgrader.preprocessors import NbGraderPreprocessor
from traitlets import Integer

from ...messages import say


class LimitOutputSize(NbGraderPreprocessor):
    max_chars = Integer(20000, help="characters of text kept per cell").tag(config=True)
    max_bytes = Integer(1_000_000, help="largest rich output (image, HTML) kept, in bytes").tag(config=True)

    def preprocess_cell(self, cell, resources, index):
        if cell.cell_type != "code":
            return cell, resources
        budget, cut, kept = self.max_chars, 0, []
        for output in cell.outputs:
            if output.output_type == "error":
                output.evalue = self._cut(output.evalue, self.max_chars)[0]
                output.traceback = [self._cut(line, self.max_chars)[0] for line in output.traceback[:200]]
            elif output.output_type == "stream":
                output.text, lost = self._cut(output.text, budget)
                budget, cut = budget - len(output.text), cut + lost
                if not output.text:
                    continue
            elif "data" in output:
                for kind in sorted(output.data, key=lambda k: k == "text/plain"):  # text/plain last: it may hold a note
                    value = output.data[kind]
                    text = value if isinstance(value, str) else str(value)
                    if kind == "text/plain":
                        output.data[kind], lost = self._cut(text, max(budget, 200))
                        budget, cut = budget - len(output.data[kind]), cut + lost
                    elif len(text) > self.max_bytes:
                        del output.data[kind]
                        output.data["text/plain"] = "[" + say("output.dropped", kind=kind, n=len(text)) + "]"
            kept.append(output)
        if cut:
            kept.append(new_output("stream", name="stdout", text="\n… [" + say("output.cut", n=cut) + "]"))
        cell.outputs = kept
        return cell, resources

    @staticmethod
    def _cut(text, limit):
        """(text cut to ``limit`` characters, how many were cut)."""
        limit = max(limit, 0)
        return (text, 0) if len(text) <= limit else (text[:limit], len(text) - limit)


# Outputs that are code for the page that shows them, not pictures of a result.
ACTIVE = ("application/javascript", "text/javascript", "application/vnd.jupyter.widget-view+json",
          "application/vnd.jupyter.widget-state+json")


class StillOutputs(NbGraderPreprocessor):
    """Drop JavaScript and widget outputs, and the notebook's widget state: nothing in it runs when opened."""

    def preprocess(self, nb, resources):
        nb.metadata.pop("widgets", None)
        return super().preprocess(nb, resources)

    def preprocess_cell(self, cell, resources, index):
        for output in cell.get("outputs", []):
            for kind in [k for k in output.get("data", {}) if k in ACTIVE]:
                del output.data[kind]
        if cell.cell_type == "code":
            cell.outputs = [o for o in cell.outputs if "data" not in o or o.data]
        return cell, resources

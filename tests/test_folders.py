"""autograder/grading/folders.py: folders as nbgrader names them, and each step's points stated once."""
import json
import re

from autograder.grading import batch, folders

ROOT = folders.ROOT


def test_folders_follow_the_course_configuration(tmp_path):
    """A course that renames nbgrader's folders is read where nbgrader itself writes."""
    course = folders.new_course(tmp_path / "course")
    with open(course / "nbgrader_config.py", "a") as config:
        config.write('c.CourseDirectory.submitted_directory = "handed_in"\n'
                     'c.CourseDirectory.autograded_directory = "marked"\n')
    (course / "handed_in" / "ana" / "01_numpy").mkdir(parents=True)
    assert folders.folder(course, "submitted", "ana", "01_numpy") == course / "handed_in" / "ana" / "01_numpy"
    assert folders.folder(course, "autograded") == course / "marked"
    assert folders.folder(course, "feedback", "*", "01_numpy") == course / "feedback" / "*" / "01_numpy"
    assert batch.submissions(course, ["01_numpy", "02_autograd"]) == [batch.Job("ana", "01_numpy")]
    (course / "marked" / "ana" / "01_numpy").mkdir(parents=True)
    (course / "marked" / "ana" / "01_numpy" / "nb.ipynb").write_text("{}")
    assert folders.notebooks(course, "autograded") == [course / "marked" / "ana" / "01_numpy" / "nb.ipynb"]
    assert folders.notebooks(course, "autograded", "bo") == []


def test_the_course_itself_uses_nbgraders_default_folders():
    assert folders.folder(ROOT, "source", ".", "01_numpy") == ROOT / "source" / "01_numpy"
    assert folders.folder(ROOT, "release") == ROOT / "release"


def _graded_cells():
    for assignment, path in folders.source_notebooks().items():
        for cell in json.loads(path.read_text(encoding="utf-8"))["cells"]:
            meta = cell.get("metadata", {}).get("nbgrader", {})
            if meta.get("grade"):
                yield assignment, meta["grade_id"], meta["points"], "".join(cell["source"])


def test_each_test_cell_states_the_points_its_metadata_gives():
    """The cell metadata decides a step's points (nbgrader reads it); the heading the student reads says the same."""
    cells = list(_graded_cells())
    assert len(cells) == 15
    for assignment, grade_id, points, source in cells:
        heading = source.splitlines()[0]
        stated = re.search(r"（(\d+) 分）/ .*\((\d+) points?\)", heading)
        assert stated, (assignment, grade_id, heading)
        assert int(stated[1]) == int(stated[2]) == points, (assignment, grade_id, heading, points)


def test_the_readme_contract_table_gives_the_same_points():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    table = {(a, g): int(p) for a, g, p in re.findall(r"^\| `(\d\d_\w+)` \|.*\| `(test_\w+)` \| (\d+) \|$", readme, re.M)}
    assert table == {(a, g): p for a, g, p, _ in _graded_cells()}

"""The course's gradebook (nbgrader's database): where it is, each step's scores, grades.csv."""
from pathlib import Path

from . import folders


def db_url(course):
    return folders.load_config(course).CourseDirectory.db_url


def export_grades(course):
    """``course``/grades.csv, as `nbgrader export` writes it: its CSV plugin, run here (the command would
    cost seconds of start-up on every grading)."""
    from nbgrader.api import Gradebook
    from nbgrader.plugins import CsvExportPlugin

    with Gradebook(db_url(course)) as gb:
        CsvExportPlugin(config=folders.load_config(course), to=str(Path(course) / "grades.csv")).export(gb)


def scores(course, assignment, url=None):
    """{student: {grade_id: score}} for ``assignment`` from the course's gradebook (or the one at ``url``)."""
    from nbgrader.api import Gradebook

    result = {}
    with Gradebook(url or db_url(course)) as gb:
        for submission in gb.assignment_submissions(assignment):
            for nb in submission.notebooks:
                result.setdefault(submission.student_id, {}).update(
                    {grade.name: grade.score for grade in nb.grades})
    return result

"""Small look-ups on the cells of the course's notebooks (by nbgrader grade id) and on its gradebook,
shared by the tests and the class builders (demo_class, hostile_class)."""


def grade_id(cell):
    """The nbgrader grade id of ``cell``; None for a cell nbgrader does not track."""
    return cell.metadata.get("nbgrader", {}).get("grade_id")


def cell_index(nb, wanted):
    """The position in ``nb`` of the cell whose grade id is ``wanted`` (StopIteration if none)."""
    return next(i for i, c in enumerate(nb.cells) if grade_id(c) == wanted)


def cell(nb, wanted):
    """The cell of ``nb`` whose grade id is ``wanted`` (StopIteration if none)."""
    return nb.cells[cell_index(nb, wanted)]


def points(folder, assignment):
    """{grade id: max points} of every test cell of ``assignment``, from the course's gradebook."""
    from autograder.grading import report

    return {g: m for a, g, m in report.steps(folder, [assignment]) if a == assignment}


def answer_cell(source, grade_id):
    """A code cell the student fills in, with nbgrader's metadata (as in the source notebooks)."""
    from nbformat.v4 import new_code_cell

    return new_code_cell(source, metadata={"nbgrader": {"grade": False, "solution": True, "locked": False,
                                                        "grade_id": grade_id, "schema_version": 3}})


def graded_cell(source, grade_id, points=1):
    """An autograded test cell, with nbgrader's metadata (as in the source notebooks)."""
    from nbformat.v4 import new_code_cell

    return new_code_cell(source, metadata={"nbgrader": {"grade": True, "solution": False, "locked": True,
                                                        "grade_id": grade_id, "points": points, "schema_version": 3}})

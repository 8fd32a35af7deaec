"""nbgrader's plug-ins, each named in nbgrader_config.py.

- ``execution``  with --execute, runs a submission in its kernel (not its test cells); a dead kernel costs its cells only
- ``verdicts``   the judge's verdict record in every test cell, its outputs rendered from it (again for feedback)
- ``outputs``    every graded notebook and feedback page bounded in size, with nothing in it that runs
- ``feedback``   the feedback page: the check's explanation, no hidden test code
- ``metadata``   nbgrader's CheckCellMetadata, its schema checked once per process instead of once per cell
- ``collect``    zip_collect that skips an archive member escaping the course, not the whole class
"""

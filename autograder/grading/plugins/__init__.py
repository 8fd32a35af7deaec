"""nbgrader's plug-ins, each named in nbgrader_config.py.

- ``execution``  runs a submission in its kernel (not its test cells); a dead kernel costs its cells only
- ``verdicts``   the judge's verdict in every test cell (grading/judge.py)
- ``outputs``    every graded notebook and feedback page bounded in size
- ``feedback``   the feedback page: the check's explanation, no hidden test code
- ``collect``    zip_collect that skips an archive member escaping the course, not the whole class
"""
